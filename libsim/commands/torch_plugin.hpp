// The LibTorch half of sim-train, sim-embed and sim-info, as a plugin: libsim_torch.so beside the
// programs, loaded the first time a run needs a network. LibTorch's start-up (its operator
// registry and the ~200 shared libraries Debian's build pulls in: 0.85 s of every start here,
// 1.8 s under ASan) is then paid by the runs that train, embed or check a model's weights, not by
// --help, a mistyped flag, a bad data file, a broken model container or sim-info on an index.
// The programs do all of that first, without LibTorch: flags, outputs against inputs, the model's
// container and header (model/model_info.hpp), the data (commands/embed_inputs.hpp, open_train_data).
//
// Both halves are built together from these headers over one shared libsim_core, so the table's
// C++ types and exceptions pass between them as within one program.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "base/launch_env.hpp"
#include "commands/embed_inputs.hpp"
#include "commands/info_command.hpp"
#include "data/train_data.hpp"
#include "formats/model_container.hpp"
#include "model/embed_options.hpp"
#include "train/trainer.hpp"

namespace sim {

// sim-train's run once the command line is checked.
struct TrainJob {
  // request.data is the opened data, or null when the ranks of a data-parallel job must join
  // first (so that a rank whose data fails is named to the others): the plugin then calls
  // open_data. request.ranks is the plugin's to fill.
  TrainRequest request;
  std::function<TrainData()> open_data;
  LaunchEnv launch;                  // several ranks when launch.distributed()
  std::chrono::milliseconds timeout;  // --timeout: how long a rank waits for the others
};

// sim-embed's run once its inputs are open.
struct EmbedJob {
  std::string model_path;
  const ModelContainer* model = nullptr;  // model_path's, read by the program (once)
  const Dataset* items = nullptr;
  std::string first_input;  // named when there is nothing to embed
  EmbedOptions options;
  EmbedOutput output;
};

struct TorchPlugin {
  std::string (*version)();                                 // LibTorch's, "1.13.1"
  void (*configure)(unsigned threads, std::uint64_t seed);  // model/torch_runtime.hpp
  // Trains and writes the model (rank 0 of several); train/trainer.hpp's errors, and every
  // failure left for the other ranks to name this one with.
  TrainSummary (*train)(const TrainJob& job);
  // Loads the model (weights, self-test), embeds and writes: commands/embed_command.hpp.
  std::size_t (*embed)(const EmbedJob& job);
  // sim-info's description of the model file `path`, whose container the program has read,
  // after loading it as sim-embed does.
  ArtifactInfo (*describe_model)(const std::string& path, const ModelContainer& container);
};

// --threads and --seed for LibTorch, applied when the plugin loads (at once if it has).
void set_torch_settings(unsigned threads, std::uint64_t seed);

// The plugin, loaded on the first call. Throws IoError naming it when it cannot be loaded.
const TorchPlugin& torch_plugin();

// Its one extern "C" symbol: returns the table.
using TorchPluginEntryFn = const TorchPlugin* (*)();
inline constexpr const char* kTorchPluginEntry = "sim_torch_plugin";
inline constexpr const char* kTorchPluginFile = "libsim_torch.so";

}  // namespace sim
