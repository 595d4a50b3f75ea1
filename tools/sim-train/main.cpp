// sim-train: trains an embedding model on a dataset and writes a self-contained model file.
// --dry-run stops after the data side (libsim/commands/train_command). The training loop itself
// is libsim/train/trainer.cpp.
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

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
#include "commands/train_command.hpp"
#include "data/train_data.hpp"
#include "train/rank_group.hpp"
#include "train/trainer.hpp"

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
  return sim::run_main(
      info, argc, argv,
      [&](CLI::App& app) {
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
        // A rank of a data-parallel job joins the others first, so that any failure after this point
        // (its data, its memory) reaches them as a named failure, not a silent hang.
        const sim::LaunchEnv launch = sim::read_launch_env();
        std::unique_ptr<sim::RankGroup> ranks;
        if (launch.distributed() && !dry) {
          ranks = std::make_unique<sim::RankGroup>(launch, std::chrono::milliseconds(std::int64_t(timeout_s * 1000)));
        }
        if (launch.restart_count > 0 && !train.resume && sim::is_regular_file(output + ".ckpt")) {
          // torchrun --max_restarts restarted the workers: carry on from the last checkpoint.
          spdlog::info("restart {} of this job: resuming from {}", launch.restart_count, output + ".ckpt");
          train.resume = true;
        }
        sim::TrainSummary s;
        try {
          data.threads = common.threads;
          const sim::TrainData train_data = sim::open_train_data(dataset, data, split, common.seed);
          if (dry) {
            sim::dry_run(train_data, batch, augment, common.seed, common.threads, data.skip_bad, dry_batches);
            return sim::kExitOk;
          }
          sim::TrainRequest request;
          request.data = &train_data;
          request.train = train;
          request.batch = batch;
          request.augment = augment;
          request.loss = loss;
          request.skip_bad = data.skip_bad;
          request.threads = common.threads;
          request.seed = common.seed;
          request.output = output;
          request.provenance = nlohmann::json::parse(sim::make_provenance(info.name, argc, argv));
          request.ranks = ranks.get();
          s = sim::train_model(request);
        } catch (const sim::LostRankError&) {
          throw;  // another rank's failure, already named
        } catch (const std::exception& e) {
          const std::string what = e.what();
          if (ranks) ranks->report_failure(what.substr(0, what.find('\n')));
          throw;
        }
        if (ranks && ranks->rank() != 0) return sim::kExitOk;
        spdlog::info(
            "wrote {}: {} steps in {:.1f} s, {:.0f} images/s (data {:.1f} s, forward {:.1f} s, loss {:.1f} s, "
            "backward+step {:.1f} s, validation {:.1f} s{})",
            output, s.steps, s.seconds, s.images_per_second, s.data_s, s.forward_s, s.loss_s, s.backward_s,
            s.validation_s, ranks ? fmt::format("; collectives {:.1f} s", s.collectives_s) : std::string());
        return sim::kExitOk;
      });
}
