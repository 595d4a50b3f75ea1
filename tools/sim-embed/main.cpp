// sim-embed: runs a trained model over items and writes their embeddings (HDF5, TSV or JSON Lines;
// a file or - for stdout). The work is libsim's: model_inputs (what to read), embedder (batched
// inference), embeddings / embeddings_text (what to write).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <memory>

#include "cli/data_flags.hpp"
#include "cli/program.hpp"
#include "cli/runtimes.hpp"
#include "formats/embeddings.hpp"
#include "formats/embeddings_text.hpp"
#include "base/error.hpp"
#include "base/provenance.hpp"
#include "model/embedder.hpp"
#include "model/model_file.hpp"
#include "commands/embed_command.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-embed",
                              "Turn items (a dataset, image files, vectors) into embeddings with a trained model.",
                              "  sim-embed -m fashion.sim /usr/share/datasets/fashion-mnist --split test -o test.h5\n"
                              "  sim-embed -m fashion.sim photos/*.jpg -o - --format tsv | head",
                              {sim::torch_runtime(), sim::hdf5_runtime()}};
  std::string model_path, output, format = "h5";
  std::vector<std::string> inputs;
  sim::InputOptions input_options;
  sim::EmbedOptions embed;
  bool no_provenance = false;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("-m,--model", model_path, "Model file written by sim-train")->required();
        app.add_option("inputs", inputs, "A dataset, image files, or - for image paths on stdin")->required();
        app.add_option("-o,--output", output, "Embeddings file to write, or - for stdout")->required();
        app.add_option("--format", format, "h5 (HDF5, the default), tsv or jsonl")
            ->check(CLI::IsMember({"h5", "tsv", "jsonl"}));
        app.add_option("--batch-size", embed.batch_size, "Items per inference batch")
            ->default_str("256")
            ->check(CLI::Range(1, 1 << 16));
        app.add_flag("--no-provenance", no_provenance,
                     "Record no command line, time or host: the same input then gives identical bytes");
        sim::add_flags(app, input_options);
      },
      [&](const sim::CommonOptions& common) -> int {
        if (output == "-" && format == "h5" && ::isatty(STDOUT_FILENO)) {
          throw sim::UsageError("refusing to write HDF5 to a terminal: redirect it, or use --format tsv", "-o");
        }
        sim::LoadedModel model = sim::load_model(model_path);
        model.net->optimize_for_inference();  // after the self-test, which checks the stored weights
        const auto dataset = sim::open_model_inputs(inputs, model.info.spec, input_options, common.threads);
        if (dataset->size() == 0) throw sim::FormatError(inputs.front(), "", "nothing to embed");

        const auto dim = std::size_t(model.info.spec.dim);
        std::unique_ptr<sim::EmbeddingsWriter> h5;
        std::unique_ptr<sim::EmbeddingsTextWriter> text;
        if (format == "h5") {
          sim::EmbeddingsMeta meta{model.info.spec.distance, dim, dataset->classes(), model.info.fingerprint,
                                   no_provenance ? "" : sim::make_provenance(info.name, argc, argv)};
          h5 = std::make_unique<sim::EmbeddingsWriter>(output, meta);
        } else {
          text = std::make_unique<sim::EmbeddingsTextWriter>(
              output, format == "tsv" ? sim::TextFormat::Tsv : sim::TextFormat::Jsonl, dim, dataset->classes());
        }
        embed.threads = common.threads;
        std::vector<std::string> ids;
        std::vector<std::int64_t> labels;
        sim::embed_dataset(model.net, *dataset, embed, [&](std::size_t first, const torch::Tensor& e) {
          const auto n = std::size_t(e.size(0));
          ids.resize(n);
          labels.resize(n);
          for (std::size_t i = 0; i < n; ++i) {
            ids[i] = dataset->id(first + i);
            labels[i] = dataset->label(first + i);
          }
          const torch::Tensor rows = e.contiguous();
          if (h5) {
            h5->append(rows.data_ptr<float>(), n, labels.data(), ids);
          } else {
            text->append(rows.data_ptr<float>(), n, labels.data(), ids);
          }
        });
        h5 ? h5->close() : text->close();
        spdlog::info("wrote {} embeddings ({}-d) to {}", dataset->size(), dim, output == "-" ? "stdout" : output);
        return sim::kExitOk;
      });
}
