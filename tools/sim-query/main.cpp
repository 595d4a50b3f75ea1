// sim-query: finds the k nearest neighbours of queries in an index; prints TSV or JSON Lines.
#include "core/not_yet.hpp"
#include "core/program.hpp"
#include "core/versions.hpp"
#include "index/hnsw_space.hpp"
#include "model/torch_runtime.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-query",
                              "Find the nearest neighbours of queries in an index.",
                              "  sim-query fashion.idx -i queries.h5 -k 10 > neighbours.tsv",
                              {sim::torch_runtime(), sim::hnswlib_runtime(), sim::hdf5_runtime()}};
  std::string index, input;
  unsigned k = 10;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("index", index, "Index written by sim-index")->required();
        app.add_option("-i,--input", input, "Query embeddings file, or - for stdin")->required();
        app.add_option("-k", k, "Neighbours per query")->default_val(10)->check(CLI::PositiveNumber);
      },
      [&](const sim::CommonOptions&) -> int { sim::not_implemented_yet("querying"); });
}
