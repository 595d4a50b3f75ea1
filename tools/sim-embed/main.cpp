// sim-embed: runs a trained model over items and writes their embeddings (HDF5, TSV or JSON Lines;
// a file or - for stdout). The work is libsim's commands/embed_inputs (what to read) and, in the
// LibTorch plugin, commands/embed_command (what to write) over model/embedder (batched inference).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/file_identity.hpp"
#include "base/launch_env.hpp"
#include "base/provenance.hpp"
#include "cli/data_flags.hpp"
#include "cli/program.hpp"
#include "cli/runtimes.hpp"
#include "cli/value_flags.hpp"
#include "commands/embed_inputs.hpp"
#include "commands/torch_plugin.hpp"
#include "data/dataset_split.hpp"
#include "model/model_info.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-embed",
                              "Turn items (a dataset, image files, vectors) into embeddings with a trained model.",
                              "  sim-embed -m fashion.sim /usr/share/datasets/fashion-mnist --split test -o test.h5\n"
                              "  sim-embed -m fashion.sim photos/*.jpg -o - --format tsv | head\n"
                              "  sim-embed -m fashion.sim catalogue/ --shard 2/8 -o part-{shard}.h5",
                              {sim::torch_runtime(), sim::hdf5_runtime()},
                              /*data_parallel=*/true};
  std::string model_path, output, format = "h5";
  std::vector<std::string> inputs;
  sim::InputOptions input_options;
  sim::EmbedOptions embed;
  bool no_provenance = false;
  std::string shard_text;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        app.add_option("-m,--model", model_path, "Model file written by sim-train")->required();
        app.add_option("inputs", inputs, "A dataset, image files, or - for image paths on stdin")->required();
        app.add_option("-o,--output", output, "Embeddings file to write, or - for stdout")->required();
        app.add_option("--format", format,
                       "h5 (HDF5, the default), tsv, jsonl, or npy (NumPy: OUTPUT as float32 N x D, and beside it "
                       "STEM.labels.npy, STEM.classes.txt, STEM.ids.txt)")
            ->check(CLI::IsMember({"h5", "tsv", "jsonl", "npy"}));
        app.add_option("--batch-size", embed.batch_size, "Items per inference batch")
            ->default_str("256")
            ->check(CLI::Range(1, 1 << 16));
        app.add_flag("--no-provenance", no_provenance,
                     "Record no command line, time or host: the same input then gives identical bytes");
        app.add_option("--shard", shard_text,
                       "Embed only part I of N (0 <= I < N) of the items, contiguous and in order, e.g. 0/4; "
                       "{shard} in -o becomes I. Under torchrun (RANK, WORLD_SIZE) each rank embeds its own part");
        sim::add_flags(app, input_options);
      },
      [&](const sim::CommonOptions& common) -> int {
        if (output == "-" && format == "npy") {
          throw sim::UsageError("--format npy writes a file and its labels, classes and ids beside it: give a path",
                                "-o");
        }
        if (output == "-" && format == "h5" && ::isatty(STDOUT_FILENO)) {
          throw sim::UsageError("refusing to write HDF5 to a terminal: redirect it, or use --format tsv", "-o");
        }
        // --shard, else the rank's part under a launcher; each part goes to its own file.
        const sim::LaunchEnv launch = sim::read_launch_env();
        const sim::ShardSpec shard = shard_text.empty()
                                         ? sim::ShardSpec{std::size_t(launch.rank), std::size_t(launch.world_size)}
                                         : sim::parse_shard(shard_text, "--shard");
        const bool placeholder = output.find("{shard}") != std::string::npos;
        if (shard_text.empty() && shard.count > 1 && !placeholder && output != "-") {
          throw sim::UsageError(
              "under torchrun every rank writes its own part of the items: put {shard} in the "
              "file name (-o part-{shard}.h5), or give --shard I/N",
              "-o");
        }
        if (placeholder) output.replace(output.find("{shard}"), 7, std::to_string(shard.index));
        std::vector<sim::NamedFile> read{{model_path, "the model -m"}};
        for (const std::string& in : inputs) read.push_back({in, "the input"});
        sim::refuse_overwriting(read, {{output, "-o"}});
        // The model's header, then the inputs, then LibTorch (commands/torch_plugin.hpp): a broken
        // model container or a bad input is refused before LibTorch loads.
        const sim::ModelContainer container = sim::read_model_container(model_path);
        const sim::ModelInfo model = sim::model_info(container, model_path);
        auto dataset = sim::open_model_inputs(inputs, model, input_options, common.threads);
        if (shard.count > 1) {
          const std::size_t all = dataset->size();
          dataset = sim::shard_items(std::move(dataset), shard.index, shard.count, embed.batch_size);
          if (dataset->size() == 0) {
            throw sim::UsageError("part " + sim::to_string(shard) + " holds no items: parts are whole batches (so " +
                                      "that they embed as one run does, to the bit), and " + std::to_string(all) +
                                      " items fill fewer batches of " + std::to_string(embed.batch_size) +
                                      " than there are parts; give --batch-size " +
                                      std::to_string(std::max<std::size_t>(1, all / shard.count)) + " or less",
                                  "--shard");
          }
          spdlog::info("part {} of the items: {} of {}", sim::to_string(shard), dataset->size(), all);
        }
        embed.threads = common.threads;
        const sim::EmbedOutput out{output, format, no_provenance ? "" : sim::make_provenance(info.name, argc, argv)};
        const std::size_t written =
            sim::torch_plugin().embed({model_path, &container, dataset.get(), inputs.front(), embed, out});
        const auto dim = std::size_t(model.spec.dim);
        spdlog::info("wrote {} embeddings ({}-d) to {}", written, dim, output == "-" ? "stdout" : output);
        return sim::kExitOk;
      });
}
