#include "base/plugin.hpp"

#include <dlfcn.h>
#include <sys/resource.h>

#include "base/error.hpp"
#include "base/subprocess.hpp"

namespace sim {

void* plugin_entry(const std::string& file, const std::string& entry, const std::string& purpose) {
  const std::string path = sibling_program(file);
  void* plugin = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);  // the same handle on every later call
  if (plugin == nullptr) {
    const char* why = ::dlerror();
    std::string detail = "cannot load the plugin " + purpose + ": " + (why ? why : "unknown");
    struct rlimit limit {};
    if (::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
      detail += " (the address-space limit, ulimit -v " + std::to_string(limit.rlim_cur / 1024) +
                ", may leave too little to map its libraries; raise the limit)";
    }
    throw IoError(path, "", detail);
  }
  void* symbol = ::dlsym(plugin, entry.c_str());
  if (symbol == nullptr) throw IoError(path, "", "holds no " + entry + ": not sim's plugin " + purpose);
  return symbol;
}

}  // namespace sim
