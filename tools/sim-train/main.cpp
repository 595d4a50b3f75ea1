// sim-train: trains an embedding model on a dataset and writes a self-contained model file.
// --dry-run stops after the data side (libsim/commands/train_command). The training loop itself
// is libsim/train/trainer.cpp.
#include <spdlog/spdlog.h>

#include <chrono>
#include <optional>

#include "base/error.hpp"
#include "base/file_identity.hpp"
#include "base/file_io.hpp"
#include "base/launch_env.hpp"
#include "base/provenance.hpp"
#include "cli/data_flags.hpp"
#include "cli/program.hpp"
#include "cli/runtimes.hpp"
#include "cli/train_flags.hpp"
#include "cli/value_flags.hpp"
#include "commands/torch_plugin.hpp"
#include "commands/train_command.hpp"
#include "data/train_data.hpp"

int main(int argc, char** argv) {
  const sim::ProgramInfo info{"sim-train",
                              "Train an embedding model whose distances put similar items close together.",
                              "  sim-train /usr/share/datasets/fashion-mnist -o fashion.sim\n"
                              "  sim-train photos/ --image-size 64 --aug-flip --dry-run -v   # check the data only",
                              {sim::torch_runtime(), sim::hdf5_runtime()},
                              /*data_parallel=*/true};
  std::string dataset, output;
  sim::DatasetOptions data;
  sim::SplitOptions split;
  sim::BatchOptions batch;
  sim::AugmentOptions augment;
  sim::TrainOptions train;
  sim::LossOptions loss;
  bool dry = false;
  std::uint64_t dry_batches = 100;
  double timeout_s = 300;
  const CLI::App* parsed = nullptr;
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
        parsed = &app;
        app.add_option("dataset", dataset, "Dataset: image folder, IDX files, or HDF5/CSV vectors")->required();
        auto* out = app.add_option("-o,--output", output, "Model file to write (atomically)");
        auto* dry_flag = app.add_flag("--dry-run", dry,
                                      "Open the dataset and draw batches as training would, report timings as "
                                      "JSON on stdout, write nothing");
        app.add_option("--dry-run-batches", dry_batches, "Batches to draw with --dry-run")
            ->default_val(100)
            ->check(sim::whole_number());
        out->excludes(dry_flag);
        app.add_option("--timeout", timeout_s,
                       "Data-parallel runs: seconds a rank waits for the others (to join, in every collective) "
                       "before the job fails naming the rank that did not answer")
            ->default_val(300)
            ->check(sim::finite_number())
            ->check(CLI::Range(1.0, 86400.0));
        sim::add_flags(app, data);
        sim::add_flags(app, split);
        sim::add_flags(app, train);
        sim::add_flags(app, loss);
        sim::add_flags(app, batch);
        sim::add_flags(app, augment);
      },
      [&](const sim::CommonOptions& common) -> int {
        if (!dry && output.empty()) throw sim::UsageError("give the model file to write with -o (or --dry-run)");
        if (!dry) {
          sim::refuse_overwriting({{dataset, "the dataset"}, {train.backbone, "--backbone"}},
                                  {{output, "-o"}, {output + ".ckpt", "the checkpoint of -o"}});
        }
        const sim::LaunchEnv launch = sim::read_launch_env();
        if (launch.restart_count > 0 && !train.resume && sim::is_regular_file(output + ".ckpt")) {
          // torchrun --max_restarts restarted the workers: carry on from the last checkpoint.
          spdlog::info("restart {} of this job: resuming from {}", launch.restart_count, output + ".ckpt");
          train.resume = true;
        }
        const std::string preset = sim::default_augmentation(*parsed, loss, augment);
        if (!preset.empty()) spdlog::info("--loss {}: augmenting with --aug-preset {} (no --aug-* flag given)", loss.name, preset);
        data.threads = common.threads;
        const auto open_data = [&] { return sim::open_train_data(dataset, data, split, common.seed); };
        // One process opens its data before LibTorch loads (a bad file is said at once); the ranks
        // of a data-parallel job join first, in the plugin, so that a rank whose data fails is
        // named to the others.
        std::optional<sim::TrainData> train_data;
        if (!launch.distributed() || dry) train_data.emplace(open_data());
        if (dry) {
          sim::dry_run(*train_data, batch, augment, common.seed, common.threads, data.skip_bad, dry_batches);
          return sim::kExitOk;
        }
        sim::TrainJob job;
        job.request.data = train_data ? &*train_data : nullptr;
        job.request.train = train;
        job.request.batch = batch;
        job.request.augment = augment;
        job.request.loss = loss;
        job.request.skip_bad = data.skip_bad;
        job.request.threads = common.threads;
        job.request.seed = common.seed;
        job.request.output = output;
        job.request.provenance = nlohmann::json::parse(sim::make_provenance(info.name, argc, argv));
        job.open_data = open_data;
        job.launch = launch;
        job.timeout = std::chrono::milliseconds(std::int64_t(timeout_s * 1000));
        const sim::TrainSummary s = sim::torch_plugin().train(job);
        if (launch.distributed() && launch.rank != 0) return sim::kExitOk;
        spdlog::info(
            "wrote {}: {} steps in {:.1f} s, {:.0f} images/s (data {:.1f} s, forward {:.1f} s, loss {:.1f} s, "
            "backward+step {:.1f} s, validation {:.1f} s{})",
            output, s.steps, s.seconds, s.images_per_second, s.data_s, s.forward_s, s.loss_s, s.backward_s,
            s.validation_s, launch.distributed() ? fmt::format("; collectives {:.1f} s", s.collectives_s) : std::string());
        return sim::kExitOk;
      });
}
