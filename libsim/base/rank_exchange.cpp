#include "base/rank_exchange.hpp"

#include <dlfcn.h>

#include "base/error.hpp"
#include "base/subprocess.hpp"

namespace sim {

std::unique_ptr<RankExchange> open_rank_exchange(const LaunchEnv& env, std::chrono::milliseconds timeout) {
  const std::string path = sibling_program(kRankExchangePlugin);
  // Never closed: LibTorch's threads and static objects must outlive every use, to the program's end.
  void* plugin = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (plugin == nullptr) {
    const char* why = ::dlerror();
    throw IoError(path, "", std::string("cannot load the plugin of several ranks: ") + (why ? why : "unknown"));
  }
  auto open = reinterpret_cast<OpenRankExchangeFn>(::dlsym(plugin, kRankExchangeEntry));
  if (open == nullptr) throw IoError(path, "", std::string("holds no ") + kRankExchangeEntry + ": not sim's plugin");
  return std::unique_ptr<RankExchange>(open(env, timeout));
}

}  // namespace sim
