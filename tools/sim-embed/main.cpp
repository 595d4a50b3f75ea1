// sim-embed: runs a trained model over items and writes their embeddings (HDF5, or - for stdout).
#include "core/not_yet.hpp"
#include "core/program.hpp"
#include "core/versions.hpp"
#include "model/torch_runtime.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-embed",
                              "Turn items (images, a dataset, vectors) into embeddings with a model.",
                              "  sim-embed -m fashion.sim /usr/share/datasets/fashion-mnist -o - | sim-index -i - "
                              "-o fashion.idx",
                              {sim::torch_runtime(), sim::hdf5_runtime()}};
  std::string model, output;
  std::vector<std::string> inputs;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("-m,--model", model, "Model file written by sim-train")->required();
        app.add_option("inputs", inputs, "A dataset, image paths, or - for paths on stdin")->required();
        app.add_option("-o,--output", output, "Embeddings file to write, or - for stdout")->required();
      },
      [&](const sim::CommonOptions&) -> int { sim::not_implemented_yet("embedding"); });
}
