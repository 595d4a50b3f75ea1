// Bytes between the ranks of a job, for the programs that do not link LibTorch (sim-query and
// sim-eval answering over shards held by several ranks: search/distributed_index.hpp).
//
// The ranks join over the same engine as sim-train's (train/rank_group.hpp: PyTorch's c10d with
// Gloo, the store at MASTER_ADDR:MASTER_PORT, torchrun's agent store, failures named by rank). That
// engine lives in LibTorch, which sim-query must not load for a one-process search (it would add
// half a second to every start), so it comes as a plugin, libsim_ranks.so beside the programs,
// loaded only when the launch environment says there are several ranks.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/launch_env.hpp"

namespace sim {

class RankExchange {
 public:
  virtual ~RankExchange() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Collectives: every rank calls them in the same order. They throw Error naming the rank that
  // failed or stopped answering (within the timeout the exchange was opened with).
  virtual std::string broadcast(const std::string& bytes) = 0;  // rank 0's bytes, on every rank
  // Every rank's bytes, in rank order, on every rank.
  virtual std::vector<std::string> all_gather(const std::string& bytes) = 0;
  // Leaves `message` for the other ranks to name this one with; best effort, never throws.
  virtual void report_failure(const std::string& message) noexcept = 0;
};

// Joins the job `env` describes (env.distributed() must be true) through the plugin. Throws
// IoError naming the plugin when it is missing or does not load, and the engine's errors (the
// store unreachable, ranks that never join within `timeout`).
std::unique_ptr<RankExchange> open_rank_exchange(const LaunchEnv& env, std::chrono::milliseconds timeout);

// The plugin's entry point (extern "C", so that dlsym finds it by this name).
using OpenRankExchangeFn = RankExchange* (*)(const LaunchEnv& env, std::chrono::milliseconds timeout);
inline constexpr const char* kRankExchangeEntry = "sim_open_rank_exchange";
inline constexpr const char* kRankExchangePlugin = "libsim_ranks.so";

}  // namespace sim
