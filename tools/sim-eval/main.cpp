// sim-eval: retrieval metrics, calibrated thresholds, CI gates and a visual report.
#include "core/not_yet.hpp"
#include "core/program.hpp"
#include "core/versions.hpp"
#include "index/hnsw_space.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-eval",
                              "Measure retrieval quality, calibrate match thresholds, gate CI.",
                              "  sim-eval fashion.idx -i test.h5 --json metrics.json",
                              {sim::hnswlib_runtime(), sim::hdf5_runtime()}};
  std::string index, input;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("index", index, "Index written by sim-index");
        app.add_option("-i,--input", input, "Labelled query embeddings")->required();
      },
      [&](const sim::CommonOptions&) -> int { sim::not_implemented_yet("evaluation"); });
}
