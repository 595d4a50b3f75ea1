#include "base/launch_env.hpp"

#include <cerrno>
#include <cstdlib>
#include <string>

#include "base/error.hpp"

namespace sim {
namespace {

const char* variable(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

// A whole number in [low, high], or `fallback` when the variable is unset or empty.
long whole_variable(const char* name, long low, long high, long fallback) {
  const char* text = variable(name);
  if (!text) return fallback;
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < low || value > high) {
    throw UsageError(
        "must be a whole number in [" + std::to_string(low) + ", " + std::to_string(high) + "], not '" + text + "'",
        name);
  }
  return value;
}

}  // namespace

std::string LaunchEnv::describe() const { return "rank " + std::to_string(rank) + " of " + std::to_string(world_size); }

LaunchEnv read_launch_env() {
  constexpr long kMaxRanks = 1 << 20;
  LaunchEnv env;
  env.world_size = int(whole_variable("WORLD_SIZE", 1, kMaxRanks, 1));
  env.rank = int(whole_variable("RANK", 0, env.world_size - 1, 0));
  // PyTorch's env:// needs only RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT, and many scripts
  // add LOCAL_RANK alone. Without LOCAL_WORLD_SIZE every rank may share this machine: the safe
  // assumption for dividing its cores (the caller says so).
  env.local_world_size_assumed = env.distributed() && variable("LOCAL_WORLD_SIZE") == nullptr;
  env.local_world_size =
      int(whole_variable("LOCAL_WORLD_SIZE", 1, env.world_size, env.local_world_size_assumed ? env.world_size : 1));
  env.local_rank = int(whole_variable("LOCAL_RANK", 0, env.local_world_size - 1, 0));
  env.master_port = std::uint16_t(whole_variable("MASTER_PORT", 1, 65535, 0));
  if (const char* addr = variable("MASTER_ADDR")) env.master_addr = addr;
  const char* agent = variable("TORCHELASTIC_USE_AGENT_STORE");
  env.agent_store =
      agent && (std::string(agent) == "True" || std::string(agent) == "true" || std::string(agent) == "1");
  env.restart_count = int(whole_variable("TORCHELASTIC_RESTART_COUNT", 0, 1 << 30, 0));
  if (env.distributed()) {
    for (const char* needed : {"RANK", "MASTER_ADDR", "MASTER_PORT"}) {
      if (!variable(needed)) {
        throw UsageError("is not set, but WORLD_SIZE is " + std::to_string(env.world_size) +
                             ": a data-parallel rank needs RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT "
                             "(docs/distributed.md)",
                         needed);
      }
    }
  }
  return env;
}

}  // namespace sim
