// Plugins: shared libraries beside the programs (in the build tree; installed, in lib/sim) that hold what only some
// runs need (LibTorch), so that the others never load it. libsim_torch.so (commands/torch_plugin.hpp) and
// libsim_ranks.so (base/rank_exchange.hpp) are loaded through here.
#pragma once

#include <string>

namespace sim {

// Loads `file` from beside the running program (the build tree's tools/), else from the install's
// library folder (bin/../lib/sim), once and returns the address of its extern "C" symbol `entry`. Never unloaded:
// LibTorch's threads and static objects must outlive every use. Throws IoError naming the plugin and saying why when it
// is missing, does not load (with the address-space limit when ulimit -v is set: a plugin's libraries are mapped only
// now), or lacks `entry`; `purpose` says what it was for.
void* plugin_entry(const std::string& file, const std::string& entry, const std::string& purpose);

}  // namespace sim
