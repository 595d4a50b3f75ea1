// libsim_ranks.so: base/rank_exchange.hpp's RankExchange over sim-train's RankGroup (c10d + Gloo),
// for sim-query and sim-eval, which load it only when they run as several ranks.
#include <torch/torch.h>

#include <algorithm>
#include <cstring>

#include "base/rank_exchange.hpp"
#include "train/rank_group.hpp"

namespace sim {
namespace {

class GlooRankExchange final : public RankExchange {
 public:
  GlooRankExchange(const LaunchEnv& env, std::chrono::milliseconds timeout) : group_(env, timeout) {}
  int rank() const override { return group_.rank(); }
  int size() const override { return group_.size(); }
  std::string broadcast(const std::string& bytes) override { return group_.broadcast_bytes(bytes); }

  // Gloo gathers tensors of one size: the sizes first, then every rank's bytes padded to the
  // largest.
  std::vector<std::string> all_gather(const std::string& bytes) override {
    const std::vector<torch::Tensor> sizes = group_.all_gather(torch::tensor({std::int64_t(bytes.size())}));
    std::int64_t longest = 1;
    for (const torch::Tensor& s : sizes) longest = std::max(longest, s.item<std::int64_t>());
    torch::Tensor mine = torch::zeros({longest}, torch::kUInt8);
    std::memcpy(mine.data_ptr(), bytes.data(), bytes.size());
    const std::vector<torch::Tensor> all = group_.all_gather(mine);
    std::vector<std::string> out;
    for (std::size_t r = 0; r < all.size(); ++r) {
      out.emplace_back(static_cast<const char*>(all[r].data_ptr()), std::size_t(sizes[r].item<std::int64_t>()));
    }
    return out;
  }
  void report_failure(const std::string& message) noexcept override { group_.report_failure(message); }

 private:
  RankGroup group_;
};

}  // namespace
}  // namespace sim

extern "C" sim::RankExchange* sim_open_rank_exchange(const sim::LaunchEnv& env, std::chrono::milliseconds timeout) {
  return new sim::GlooRankExchange(env, timeout);
}
