// sim-train: trains an embedding model on a dataset and writes a self-contained model file.
#include "core/not_yet.hpp"
#include "core/program.hpp"
#include "core/versions.hpp"
#include "model/torch_runtime.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-train",
                              "Train an embedding model whose distances put similar items close together.",
                              "  sim-train /usr/share/datasets/fashion-mnist -o fashion.sim",
                              {sim::torch_runtime(), sim::hdf5_runtime()}};
  std::string dataset, output;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("dataset", dataset, "Dataset: image folder, IDX files, or HDF5/CSV vectors")->required();
        app.add_option("-o,--output", output, "Model file to write (atomically)")->required();
      },
      [&](const sim::CommonOptions&) -> int { sim::not_implemented_yet("training"); });
}
