// join_ranks (training_run.hpp): what a data-parallel run does once, before its first step.
#include <spdlog/spdlog.h>

#include "base/error.hpp"
#include "model/sync_batch_norm.hpp"
#include "train/rank_group.hpp"
#include "train/training_run.hpp"

namespace sim {

namespace {

// A TorchScript backbone's buffers (its batch norms' running statistics): each rank's forward
// updates them from its own slice, so every step takes rank 0's (GradientSync::share_buffers).
std::vector<torch::Tensor> script_buffers(EmbeddingNet& net) {
  std::vector<torch::Tensor> buffers;
  if (net->has_script()) {
    for (const auto& b : net->script().buffers()) buffers.push_back(b);
  }
  return buffers;
}

}  // namespace

std::vector<torch::Tensor> network_state(EmbeddingNet& net, bool with_script_buffers) {
  std::vector<torch::Tensor> state = net->parameters();
  for (const auto& b : net->buffers()) state.push_back(b);
  if (net->has_script()) {
    for (const auto& p : net->script().parameters()) state.push_back(p);
    if (with_script_buffers) {
      for (const auto& b : script_buffers(net)) state.push_back(b);
    }
  }
  return state;
}

void join_ranks(TrainingRun& run, RankGroup& ranks) {
  // Rank 0's weights (fresh or resumed), loss parameters and shared buffers (the cross-batch
  // memory), position and optimiser state. A resumed run's memory also travels in the optimiser
  // state below (the loss's archive holds its buffers); broadcasting it here keeps the ranks equal
  // without relying on that.
  torch::NoGradGuard no_grad;
  torch::Tensor position = torch::tensor({run.start_step}, torch::kInt64);
  std::vector<torch::Tensor> state{position};
  for (const auto& t : network_state(run.net, true)) state.push_back(t);
  for (const auto& p : run.loss->parameters()) state.push_back(p);
  for (const auto& b : run.loss->rank_shared_buffers()) state.push_back(b);
  // Broadcast works in place on contiguous tensors; parameters are, and stay the same objects the
  // optimiser holds.
  ranks.broadcast(state);
  run.start_step = position.item<std::int64_t>();
  if (run.start_step > 0) {
    const std::string optimiser = ranks.broadcast_bytes(
        run.leader ? save_optimizer_state(*run.optimizer, *run.loss, run.start_step) : std::string());
    if (!run.leader) load_optimizer_state(optimiser, *run.optimizer, *run.loss);
  }

  spdlog::debug("{}: weights and position {} taken from rank 0", ranks.env().describe(), run.start_step);
}

bool synchronise_batch_norms(const std::string& mode, std::size_t batch_items, int views, int world) {
  if (mode != "auto") return mode == "on";
  return batch_items / std::size_t(world) * std::size_t(views) < kLocalBatchNormRows;
}

void share_work(TrainingRun& run, RankGroup& ranks) {
  // Buffers each rank's forward changes on its own, taken from rank 0 after every forward: the
  // TorchScript backbone's, and without synchronised batch norms sim's own ones' running statistics.
  std::vector<torch::Tensor> rank0_buffers = script_buffers(run.net);
  const int views = run.loss->needs_two_views() ? 2 : 1;
  const std::string& mode = run.request->train.sync_batch_norm;
  if (synchronise_batch_norms(mode, run.batch_items, views, ranks.size())) {
    // The network outlives nothing of the run: a non-owning pointer for its batch norms.
    const std::shared_ptr<CrossRankSum> sum(std::shared_ptr<CrossRankSum>{}, &ranks);
    attach_ranks(*run.net, sum);
    if (torch::nn::Module* target = run.loss->target_network()) attach_ranks(*target, sum);
    spdlog::info("--sync-batch-norm {}: batch norms normalise with the whole batch's statistics over the ranks{}", mode,
                 mode == "auto" ? " (a rank's slice holds fewer than " + std::to_string(kLocalBatchNormRows) + " rows)"
                                : std::string());
    if (run.net->has_script()) {
      spdlog::warn(
          "batch norms inside the TorchScript backbone (if any) normalise each rank's slice of the batch "
          "alone, keeping rank 0's running statistics (as DistributedDataParallel does); sim's own layers use "
          "the whole batch's statistics");
    }
  } else {
    // A BYOL target's running statistics need no sharing: update_target copies the online ones.
    for (const auto& b : run.net->buffers()) rank0_buffers.push_back(b);
    spdlog::info(
        "--sync-batch-norm {}: batch norms normalise each rank's slice of the batch alone, keeping rank 0's "
        "running statistics",
        mode);
  }

  if (run.request->train.split_loss) {
    if (!run.loss->supports_rows() || run.loss->needs_target_network()) {
      throw UsageError("--loss " + run.request->loss.name +
                           " is not a mean over anchors that each rank can compute for its own rows (those are "
                           "multi_similarity and ntxent, without --projector, --xbm-size or --ssl-weight)",
                       "--split-loss");
    }
    run.split_loss = true;
    spdlog::info("--split-loss on: each rank computes the loss for its own rows of the batch");
  }

  // What the fingerprint compares every step: the network's weights and buffers and the loss's
  // own parameters (proxies, projectors) and shared buffers (the cross-batch memory, which each
  // rank fills with the same gathered batches), all of which every rank must hold to the bit, and
  // the buffers taken from rank 0 after every forward.
  std::vector<torch::Tensor> compared = network_state(run.net, false);
  for (const torch::Tensor& p : run.loss->parameters()) compared.push_back(p);
  for (const torch::Tensor& b : run.loss->rank_shared_buffers()) compared.push_back(b);
  run.sync =
      std::make_unique<GradientSync>(ranks, run.net->trainable_parameters(), trainable_loss_parameters(*run.loss),
                                     std::move(compared), std::move(rank0_buffers));
}

}  // namespace sim
