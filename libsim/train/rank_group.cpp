#include "train/rank_group.hpp"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <c10/util/Logging.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace sim {
namespace {

// How long a rank whose collective failed waits for the others to say whether they failed, are
// alive, or are gone. Survivors answer within milliseconds; the wait only runs out for ranks that
// are gone, and it must stay well inside the 10 s in which every rank of a broken job exits.
constexpr auto kRollCallWait = std::chrono::seconds(3);

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

bool is_loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1" || host == "[::1]";
}

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

std::string seconds_text(std::chrono::milliseconds t) {
  const auto ms = t.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

std::shared_ptr<::gloo::transport::Device> gloo_device(const LaunchEnv& env) {
  if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname && *ifname) {
    // PyTorch accepts a comma-separated list and uses one device per name; one suffices here.
    const std::string first = std::string(ifname).substr(0, std::string(ifname).find(','));
    try {
      return c10d::ProcessGroupGloo::createDeviceForInterface(first);
    } catch (const std::exception& e) {
      throw UsageError("names no usable network interface: " + first_line(e.what()), "GLOO_SOCKET_IFNAME");
    }
  }
  if (is_loopback(env.master_addr)) return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  return c10d::ProcessGroupGloo::createDefaultDevice();
}

// c10d logs through glog on stderr, unprefixed and outside our levels ("Logging before
// InitGoogleLogging()", every failed bind); what matters of it reaches us as exceptions, which are
// said once, with the rank. Fatal messages only.
void quiet_c10d_logging() {
  FLAGS_caffe2_log_level = 3;
  c10::UpdateLoggingLevelsFromFlags();
}

// What the store's exception says, shortened where it is long-winded: a port in use is said three
// times over, once per address family.
std::string store_error(const std::exception& e) {
  const std::string what = e.what();
  if (what.find("Address already in use") != std::string::npos) return "its port is in use";
  return first_line(what);
}

}  // namespace

RankGroup::RankGroup(const LaunchEnv& env, std::chrono::milliseconds timeout)
    : env_(env), timeout_(timeout), store_address_(env.master_addr + ":" + std::to_string(env.master_port)) {
  quiet_c10d_logging();
  const bool serve = !env.agent_store && env.rank == 0;
  c10d::TCPStoreOptions options;
  options.port = env.master_port;
  options.isServer = serve;
  options.waitWorkers = false;
  options.timeout = timeout;
  c10::intrusive_ptr<c10d::Store> tcp;
  try {
    tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
  } catch (const std::exception& e) {
    const std::string why = store_error(e);
    if (serve) {
      throw IoError("MASTER_PORT", "",
                    "rank 0 cannot serve the rendezvous store on " + store_address_ + " (" + why +
                        "); another job may hold the port: pick another MASTER_PORT");
    }
    throw IoError("MASTER_ADDR", "",
                  "cannot reach the rendezvous store at " + store_address_ + " within " + seconds_text(timeout) + " (" +
                      why + "); is rank 0 (or torchrun) running there?");
  }
  // Under torchrun each restart of the workers is a new attempt with keys of its own.
  store_ = tcp;
  if (env.agent_store) {
    store_ = c10::make_intrusive<c10d::PrefixStore>("/worker/attempt_" + std::to_string(env.restart_count), tcp);
  }
  // A rank of a second job started on the same port joins the first job's store: count the ranks
  // that joined, and refuse the extra ones before they disturb that job.
  const std::int64_t joined = store_->add("sim/joined", 1);
  if (joined > env.world_size) {
    throw IoError("MASTER_PORT", "",
                  "the rendezvous store at " + store_address_ + " already has the " + std::to_string(env.world_size) +
                      " ranks of another job; pick another MASTER_PORT");
  }
  // A collective that times out is followed by the roll call: together they stay within --timeout.
  auto gloo = c10d::ProcessGroupGloo::Options::create(
      std::max<std::chrono::milliseconds>(std::chrono::seconds(1), timeout - kRollCallWait));
  gloo->devices.push_back(gloo_device(env));
  gloo->threads = 2;
  try {
    group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, env.rank, env.world_size, gloo);
  } catch (const std::exception& e) {
    throw LostRankError("not every one of the " + std::to_string(env.world_size) + " ranks joined within " +
                        seconds_text(timeout) + " (" + first_line(e.what()) + ")");
  }
  spdlog::debug("joined {} through the store at {}", env.describe(), store_address_);
}

RankGroup::~RankGroup() = default;

template <typename F>
void RankGroup::collective(const char* what, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  c10::intrusive_ptr<c10d::Work> work;
  try {
    work = f();
    work->wait();
  } catch (const std::exception& e) {
    throw_lost(what, first_line(e.what()));
  }
  collective_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void RankGroup::start_sum(torch::Tensor& t) {
  std::vector<torch::Tensor> tensors{t};
  try {
    pending_.push_back(group_->allreduce(tensors));
  } catch (const std::exception& e) {
    pending_.clear();
    throw_lost("a sum over ranks", first_line(e.what()));
  }
}

void RankGroup::wait_sums() {
  std::vector<c10::intrusive_ptr<c10d::Work>> works;
  works.swap(pending_);
  for (auto& work : works) {
    collective("a sum over ranks", [&] { return work; });
  }
}

void RankGroup::sum(torch::Tensor& t) {
  std::vector<torch::Tensor> tensors{t};
  collective("a sum over ranks", [&] { return group_->allreduce(tensors); });
}

void RankGroup::max(torch::Tensor& t) {
  std::vector<torch::Tensor> tensors{t};
  c10d::AllreduceOptions options;
  options.reduceOp = c10d::ReduceOp::MAX;
  collective("a maximum over ranks", [&] { return group_->allreduce(tensors, options); });
}

void RankGroup::broadcast(std::vector<torch::Tensor>& tensors) {
  // Gloo broadcasts one tensor per call at most per device: one call per tensor, in order.
  for (auto& t : tensors) {
    std::vector<torch::Tensor> one{t};
    collective("a broadcast from rank 0", [&] { return group_->broadcast(one); });
  }
}

std::vector<torch::Tensor> RankGroup::all_gather(const torch::Tensor& local) {
  std::vector<std::vector<torch::Tensor>> outputs(1);
  for (int r = 0; r < size(); ++r) outputs[0].push_back(torch::empty_like(local));
  std::vector<torch::Tensor> inputs{local.contiguous()};
  collective("a gather from all ranks", [&] { return group_->allgather(outputs, inputs); });
  return outputs[0];
}

std::string RankGroup::broadcast_bytes(const std::string& bytes) {
  torch::Tensor size = torch::tensor({std::int64_t(rank() == 0 ? bytes.size() : 0)}, torch::kInt64);
  std::vector<torch::Tensor> sizes{size};
  broadcast(sizes);
  torch::Tensor data = torch::empty({size.item<std::int64_t>()}, torch::kUInt8);
  if (rank() == 0 && !bytes.empty()) std::memcpy(data.data_ptr(), bytes.data(), bytes.size());
  std::vector<torch::Tensor> payload{data};
  if (data.numel() > 0) broadcast(payload);
  return std::string(static_cast<const char*>(data.data_ptr()), std::size_t(data.numel()));
}

std::vector<std::string> RankGroup::all_gather_bytes(const std::string& bytes) {
  // Lengths first (one value each: the same shape on every rank), then each rank's bytes padded to
  // the longest, so the collective never sees ranks with different sizes.
  const std::vector<torch::Tensor> lengths = all_gather(torch::tensor({std::int64_t(bytes.size())}, torch::kInt64));
  std::int64_t longest = 0;
  for (const torch::Tensor& n : lengths) longest = std::max(longest, n.item<std::int64_t>());
  torch::Tensor mine = torch::zeros({std::max<std::int64_t>(longest, 1)}, torch::kUInt8);
  if (!bytes.empty()) std::memcpy(mine.data_ptr(), bytes.data(), bytes.size());
  const std::vector<torch::Tensor> all = all_gather(mine);
  std::vector<std::string> out;
  for (std::size_t r = 0; r < all.size(); ++r) {
    out.emplace_back(static_cast<const char*>(all[r].data_ptr()), std::size_t(lengths[r].item<std::int64_t>()));
  }
  return out;
}

void RankGroup::barrier() {
  collective("waiting for every rank", [&] { return group_->barrier(); });
}

void RankGroup::report_failure(const std::string& message) noexcept {
  try {
    store_->set("sim/failed/" + std::to_string(rank()), bytes_of(message));
  } catch (...) {
    // The store is gone too: the others will name this rank as lost instead.
  }
}

void RankGroup::throw_lost(const std::string& what, const std::string& cause) {
  // Gloo says a timeout two ways: "Timed out waiting ...ms for recv" in the waiting call, or
  // "Application timeout caused pair closure" when its connection gave up first.
  const bool timed_out = cause.find("imed out") != std::string::npos || cause.find("timeout") != std::string::npos;
  std::vector<int> lost;
  std::string failures;
  try {
    // Roll call: mark this rank alive, then see who else answers. A failed rank's own message
    // says most; silence names the lost.
    const std::string alive = "sim/alive/" + std::to_string(rank());
    store_->set(alive, bytes_of("1"));
    // A set is sent without an answer; this wait is the first call that needs one. It also bounds
    // every later call: LibTorch 1.13's TCPStore keeps the socket timeout of its last wait, which
    // was --timeout, so a stopped store server (rank 0) cost a second full --timeout here.
    store_->wait({alive}, kRollCallWait);
    std::vector<int> unknown;
    for (int r = 0; r < size(); ++r) {
      if (r != rank()) unknown.push_back(r);
    }
    const auto deadline = std::chrono::steady_clock::now() + kRollCallWait;
    while (!unknown.empty() && std::chrono::steady_clock::now() < deadline) {
      std::vector<int> still;
      for (int r : unknown) {
        const std::string failed = "sim/failed/" + std::to_string(r);
        if (store_->check({failed})) {
          const auto message = store_->get(failed);
          failures += (failures.empty() ? "" : "; ") + std::string("rank ") + std::to_string(r) +
                      " failed: " + std::string(message.begin(), message.end());
        } else if (!store_->check({"sim/alive/" + std::to_string(r)})) {
          still.push_back(r);
        }
      }
      unknown.swap(still);
      if (!unknown.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    lost = unknown;
  } catch (const std::exception&) {
    // The store does not answer: whoever served it is gone.
    throw LostRankError(std::string("lost ") +
                        (env_.agent_store ? "torchrun's agent, which serves the rendezvous store"
                                          : "rank 0, which serves the rendezvous store at " + store_address_) +
                        ", during " + what + " (" + cause + ")");
  }
  if (!failures.empty()) throw LostRankError(failures);
  if (!lost.empty()) {
    std::string names;
    for (int r : lost) names += (names.empty() ? "" : ", ") + std::to_string(r);
    throw LostRankError("lost rank " + names + " during " + what + ": " +
                        (timed_out ? "no answer within --timeout " + seconds_text(timeout_) +
                                         " (stopped, hung, or its machine unreachable)"
                                   : std::string("its connection closed (killed, or its machine went down)")) +
                        " (" + cause + ")");
  }
  throw LostRankError(what + " failed: " + cause);
}

}  // namespace sim
