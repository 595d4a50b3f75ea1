// Where a data-parallel job placed this process, read from the environment that PyTorch's launchers
// set: torchrun sets all of it; Slurm and Kubernetes recipes (docs/distributed.md) set RANK,
// WORLD_SIZE, MASTER_ADDR and MASTER_PORT by hand. No LibTorch here: the command-line layer reads it
// before anything is configured (threads per rank, the rank in every log line).
#pragma once

#include <cstdint>
#include <string>

namespace sim {

struct LaunchEnv {
  int rank = 0, world_size = 1;              // RANK, WORLD_SIZE
  int local_rank = 0, local_world_size = 1;  // LOCAL_RANK, LOCAL_WORLD_SIZE: the ranks on this machine
  // LOCAL_WORLD_SIZE was not set for a data-parallel job: local_world_size is then world_size.
  bool local_world_size_assumed = false;
  std::string master_addr;        // MASTER_ADDR: where the rendezvous store listens
  std::uint16_t master_port = 0;  // MASTER_PORT
  // TORCHELASTIC_USE_AGENT_STORE=True: torchrun's agent already serves the store on MASTER_PORT,
  // so every rank is a client, under the prefix /worker/attempt_<restart_count> as PyTorch's own
  // ranks use. Otherwise rank 0 serves it.
  bool agent_store = false;
  int restart_count = 0;  // TORCHELASTIC_RESTART_COUNT: > 0 after torchrun restarted the workers

  // More than one rank: sim-train trains data-parallel.
  bool distributed() const { return world_size > 1; }
  // "rank 1 of 4", for messages.
  std::string describe() const;
};

// Reads RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT and torchrun's
// TORCHELASTIC_USE_AGENT_STORE and TORCHELASTIC_RESTART_COUNT. None of the first four set: one
// process (world_size 1). Throws UsageError (its field the variable) for a variable that is not a
// whole number in range, and for WORLD_SIZE > 1 without RANK, MASTER_ADDR or MASTER_PORT.
LaunchEnv read_launch_env();

}  // namespace sim
