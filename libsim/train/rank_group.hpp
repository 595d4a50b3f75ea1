// The ranks of a data-parallel sim-train job, joined over PyTorch's c10d engine with the Gloo
// backend (TCP): the rendezvous store at MASTER_ADDR:MASTER_PORT, then a full mesh of connections.
//
// Store: under torchrun its agent serves it and every rank is a client under the prefix
// /worker/attempt_<restart> (as PyTorch's own ranks use it); otherwise rank 0 serves it. Gloo's
// sockets bind to GLOO_SOCKET_IFNAME's address when it is set (as in PyTorch), to 127.0.0.1 when
// MASTER_ADDR is a loopback address (every rank is then on this machine), else to the address
// this machine's hostname resolves to.
//
// Failures: when a collective fails, this rank finds out which rank is to blame before it throws:
// ranks that fail on their own leave their message in the store (report_failure), survivors mark
// themselves, and whoever does neither within 3 s is named as lost (killed, hung, or its machine
// unreachable). A rank that stops answering fails the others within the timeout (sim-train
// --timeout): collectives wait for the timeout less those 3 s (at least 1 s), then the roll call.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "base/launch_env.hpp"
#include "model/sync_batch_norm.hpp"

namespace c10d {
class Store;
class ProcessGroup;
class Work;
}  // namespace c10d

namespace sim {

// A collective failed because another rank is gone or failed: the message names it. This rank
// did nothing wrong, so it does not report a failure of its own (report_failure).
class LostRankError : public Error {
 public:
  explicit LostRankError(const std::string& detail) : Error("", "ranks", detail) {}
};

class RankGroup : public CrossRankSum {
 public:
  // Joins the job described by `env` (env.distributed() must be true), waiting at most `timeout`
  // for every rank. Throws IoError when the store cannot be served or reached (naming
  // MASTER_ADDR:MASTER_PORT, e.g. a port another job holds) or another job's ranks already fill
  // it, and LostRankError when a rank does not join in time.
  RankGroup(const LaunchEnv& env, std::chrono::milliseconds timeout);
  ~RankGroup() override;
  RankGroup(const RankGroup&) = delete;
  RankGroup& operator=(const RankGroup&) = delete;

  int rank() const { return env_.rank; }
  int size() const { return env_.world_size; }
  const LaunchEnv& env() const { return env_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

  // All collectives: every rank calls them in the same order with tensors of the same shapes and
  // types (contiguous, CPU). They throw LostRankError when another rank fails or stops answering.
  void sum(torch::Tensor& t) override;  // in place, over all ranks
  // The same sum started in the background, on Gloo's threads; wait_sums() finishes every one
  // started (`t` must stay alive and untouched until then).
  void start_sum(torch::Tensor& t);
  void wait_sums();
  void max(torch::Tensor& t);                                           // in place, over all ranks
  void broadcast(std::vector<torch::Tensor>& tensors);                  // rank 0's values, in place
  std::vector<torch::Tensor> all_gather(const torch::Tensor& local);    // one per rank, rank order
  std::string broadcast_bytes(const std::string& bytes);                // rank 0's bytes, on every rank
  std::vector<std::string> all_gather_bytes(const std::string& bytes);  // every rank's bytes, rank order
  void barrier();

  // Seconds spent in collectives so far (waiting for the other ranks included).
  double collective_seconds() const { return collective_seconds_; }

  // Leaves `message` in the store for the other ranks to name this one with; best effort, never
  // throws. Call it before exiting on an error of this rank's own.
  void report_failure(const std::string& message) noexcept;

 private:
  template <typename F>
  void collective(const char* what, F&& f);
  [[noreturn]] void throw_lost(const std::string& what, const std::string& cause);

  LaunchEnv env_;
  std::chrono::milliseconds timeout_;
  std::string store_address_;  // "host:port", for messages
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
  std::vector<c10::intrusive_ptr<c10d::Work>> pending_;  // start_sum's, until wait_sums
  double collective_seconds_ = 0;
};

}  // namespace sim
