#include "base/plugin.hpp"

#include <dlfcn.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.hpp"
#include "base/subprocess.hpp"

namespace sim {

namespace {

// Beside the program in the build tree; in the install, the library folder the programs' run path
// names (SIM_PLUGIN_DIR, relative to bin/: ../lib/sim). Readable is enough: installed shared
// libraries carry no exec bit on Debian, and dlopen needs none.
std::string plugin_path(const std::string& file) {
  const std::string dir = running_program_dir();
  const std::string installed = dir + SIM_PLUGIN_DIR + "/" + file;
  for (const std::string& path : {dir + file, installed}) {
    if (::access(path.c_str(), R_OK) == 0) return path;
  }
  throw io_error(installed, "not found in this program's library folder (it is installed with it)", errno);
}

}  // namespace

void* plugin_entry(const std::string& file, const std::string& entry, const std::string& purpose) {
  const std::string path = plugin_path(file);
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
