// sim-index: builds an HNSW (or exact) index from embeddings; grows and shrinks it without retraining.
#include "core/not_yet.hpp"
#include "core/program.hpp"
#include "core/versions.hpp"
#include "index/hnsw_space.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-index",
                              "Build a searchable index of embeddings; add new classes without retraining.",
                              "  sim-embed -m fashion.sim train/ -o - | sim-index -i - -o fashion.idx",
                              {sim::hnswlib_runtime(), sim::hdf5_runtime()}};
  std::string input, output;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("-i,--input", input, "Embeddings file, or - for stdin")->required();
        app.add_option("-o,--output", output, "Index to write (hnswlib file + sidecar)")->required();
      },
      [&](const sim::CommonOptions&) -> int { sim::not_implemented_yet("building an index"); });
}
