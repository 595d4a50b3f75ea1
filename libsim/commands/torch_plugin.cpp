// The programs' side of commands/torch_plugin.hpp: the loader. Linked only into the programs that
// may load LibTorch (sim-train, sim-embed, sim-info), which is why the start-up reserve below is
// defined here.
#include "commands/torch_plugin.hpp"

#include <mutex>

#include "base/plugin.hpp"

// The address space these programs need at start-up beyond their own libraries, in MiB, read by
// the command line's check before any library initialises (tools/cli/program.cpp,
// check_address_space). LibTorch's libraries are mapped only when the plugin loads, so their
// mappings count here with the room LibTorch's start-up needs: a limit that cannot hold them
// fails at once, with a message, rather than in the middle of a run. Measured (sim-train
// --version under ulimit -v): linked into the program, LibTorch needed 640 MiB beyond the ~540 MiB
// its libraries mapped at start-up (1,150 MiB failed, 1,200 ran); without it the program maps
// 29 MiB, so the same limit is the threshold again.
// The threads a run may start are counted without the plugin's mappings too (run_main).
extern "C" const unsigned sim_plugin_mapping_mib = 540;
extern "C" const unsigned sim_startup_reserve_mib = 640 + sim_plugin_mapping_mib;

namespace sim {
namespace {

struct Settings {
  std::mutex mutex;
  const TorchPlugin* plugin = nullptr;
  unsigned threads = 1;
  std::uint64_t seed = 0;
};

Settings& settings() {
  static Settings s;
  return s;
}

}  // namespace

void set_torch_settings(unsigned threads, std::uint64_t seed) {
  Settings& s = settings();
  const std::lock_guard<std::mutex> lock(s.mutex);
  s.threads = threads;
  s.seed = seed;
  if (s.plugin != nullptr) s.plugin->configure(threads, seed);
}

const TorchPlugin& torch_plugin() {
  Settings& s = settings();
  const std::lock_guard<std::mutex> lock(s.mutex);
  if (s.plugin == nullptr) {
    auto entry = reinterpret_cast<TorchPluginEntryFn>(
        plugin_entry(kTorchPluginFile, kTorchPluginEntry, "that runs models (LibTorch)"));
    const TorchPlugin* plugin = entry();
    plugin->configure(s.threads, s.seed);
    s.plugin = plugin;
  }
  return *s.plugin;
}

}  // namespace sim
