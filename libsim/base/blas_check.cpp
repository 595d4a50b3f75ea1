#include "base/blas_check.hpp"

#include <dlfcn.h>
#include <link.h>
#include <spdlog/spdlog.h>

#include <climits>
#include <cstdlib>
#include <string_view>

namespace sim {
namespace {

int find_blas(struct dl_phdr_info* info, size_t, void* data) {
  const std::string_view name = info->dlpi_name ? info->dlpi_name : "";
  const auto slash = name.find_last_of('/');
  const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  if (base.rfind("libblas.so", 0) == 0 || base.rfind("libopenblas", 0) == 0) {
    *static_cast<std::string*>(data) = std::string(name);
    return 1;  // stop iterating
  }
  return 0;
}

}  // namespace

BlasInfo detect_blas() {
  BlasInfo info;
  std::string mapped;
  dl_iterate_phdr(find_blas, &mapped);
  if (!mapped.empty()) {
    info.loaded = true;
    char real[PATH_MAX];
    info.path = ::realpath(mapped.c_str(), real) ? real : mapped;
  }
  // OpenBLAS exports its own configuration query; the reference BLAS has nothing like it. Asked
  // of the mapped library itself: one a plugin loaded (LibTorch's) is not in the global scope.
  using ConfigFn = char* (*)();
  void* query = ::dlsym(RTLD_DEFAULT, "openblas_get_config");
  if (query == nullptr && !mapped.empty()) {
    if (void* handle = ::dlopen(mapped.c_str(), RTLD_LAZY | RTLD_NOLOAD)) {  // no load: a reference
      query = ::dlsym(handle, "openblas_get_config");
      ::dlclose(handle);  // drops that reference; the library stays mapped for its loader
    }
  }
  if (auto fn = reinterpret_cast<ConfigFn>(query)) {
    info.openblas = true;
    info.loaded = true;
    info.config = fn();
  }
  return info;
}

BlasInfo check_blas() {
  BlasInfo info = detect_blas();
  if (!info.loaded) return info;
  if (info.openblas) {
    spdlog::debug("BLAS: {} ({})", info.config, info.path);
  } else {
    spdlog::warn("**********************************************************************");
    spdlog::warn("BLAS is not OpenBLAS but '{}': math will be several times slower.", info.path);
    spdlog::warn(
        "Fix: apt-get install libopenblas0-openmp (or: update-alternatives --config "
        "libblas.so.3-x86_64-linux-gnu)");
    spdlog::warn("**********************************************************************");
  }
  return info;
}

}  // namespace sim
