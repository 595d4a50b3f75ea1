#include "cli/program.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>
#include <CLI/Version.hpp>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/launch_env.hpp"
#include "base/logging.hpp"
#include "base/parallel.hpp"
#include "base/progress.hpp"
#include "base/versions.hpp"
#include "cli/value_flags.hpp"

// Defined by libsim's commands/torch_plugin.cpp in the programs that load LibTorch; null elsewhere.
extern "C" const unsigned sim_startup_reserve_mib __attribute__((weak));
extern "C" const unsigned sim_plugin_mapping_mib __attribute__((weak));

namespace sim {
namespace {

std::string one_line(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// CLI11 reports a missing required argument before an unknown flag, but the unknown flag is
// usually the real mistake ("sim-index --inptu x.h5"): find the first one ourselves.
std::string first_unknown_option(const CLI::App& app, int argc, char** argv) {
  const CLI::App* scope = &app;  // options after a subcommand's name belong to the subcommand
  for (int i = 1; i < argc; ++i) {
    std::string token = argv[i];
    if (token == "--") break;
    const auto subs = scope->get_subcommands([&](const CLI::App* sub) { return sub->check_name(token); });
    if (!subs.empty()) {
      scope = subs.front();
      continue;
    }
    if (token.size() < 2 || token[0] != '-' || std::isdigit(static_cast<unsigned char>(token[1])) || token[1] == '.') {
      continue;  // a value, including negative numbers
    }
    std::string name = token.substr(0, token.find('='));
    if (name.rfind("--", 0) != 0) name = name.substr(0, 2);  // "-k10" is -k with a value
    if (scope->get_option_no_throw(name) == nullptr && app.get_option_no_throw(name) == nullptr) return name;
  }
  return "";
}

// A program started with 0, 1 or 2 closed (`>&-`, `2>&-`) would hand that number to the next file
// it opens, and then log lines or TSV rows would go into an artifact that is renamed into place
// with exit 0. Each closed one is taken by /dev/null opened the wrong way round (stdin for
// writing, stdout and stderr for reading), so that using it fails as a closed descriptor does:
// results written to a closed stdout are an error (exit 1), never silently dropped.
void reserve_standard_descriptors() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    const int got = ::open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
    if (got != fd) {  // the lowest free number is `fd` itself; anything else is no reservation
      if (got >= 0) ::close(got);
      std::_Exit(kExitRuntime);
    }
  }
}

// Under a low address-space limit (ulimit -v of a few hundred MB), OpenBLAS's start-up code, run
// by the dynamic loader before main, retries a failing 128 MiB mmap forever: every program, even
// --version, spun at 100% CPU. This check runs before any shared library's initialiser (an
// executable's .preinit_array runs first, when every library is mapped but none initialised) and
// fails fast when that buffer, plus room to work, can no longer be mapped. Only the C library is
// usable here: no C++ streams, no spdlog.
void check_address_space(int /*argc*/, char** argv, char** /*envp*/) {
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  // OpenBLAS's 128 MiB buffer and as much to work; more where LibTorch loads (commands/torch_plugin.cpp).
  const std::size_t need = std::size_t(&sim_startup_reserve_mib != nullptr ? sim_startup_reserve_mib : 256) << 20;
  void* probe = ::mmap(nullptr, need, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (probe != MAP_FAILED) {
    ::munmap(probe, need);
    return;
  }
  ::dprintf(STDERR_FILENO,
            "%s: error: the address-space limit (ulimit -v %llu) leaves less than the %zu MiB this program needs "
            "on top of its libraries (OpenBLAS alone maps 128 MiB at start-up); raise the limit\n",
            argv != nullptr && argv[0] != nullptr ? argv[0] : "sim",
            static_cast<unsigned long long>(limit.rlim_cur / 1024), need >> 20);
  ::_exit(kExitRuntime);
}

}  // namespace

// Registered in the executable (this file is linked into every program), where the loader calls
// it before the initialisers of the shared libraries: see check_address_space.
__attribute__((section(".preinit_array"), used)) static void (*const kCheckAddressSpace)(int, char**,
                                                                                         char**) = check_address_space;

void add_flags(CLI::App& app, CommonOptions& common) {
  app.add_option("--threads", common.threads, "Worker threads for LibTorch and hnswlib (0 = all cores)")
      ->default_val(0)
      ->check(CLI::Range(0, 4096));
  app.add_option("--seed", common.seed, "Seed for every random choice; a fixed seed repeats a run")
      ->default_val(0)
      ->check(whole_number());
  app.add_flag_function(
      "-v,--verbose", [&common](std::int64_t n) { common.verbosity += int(n); }, "More log detail (repeat for more)");
  app.add_flag_function(
      "-q,--quiet", [&common](std::int64_t n) { common.verbosity -= int(n); },
      "Less log detail: -q warnings, -qq errors");
}

std::string version_text(const ProgramInfo& info) {
  std::string text = info.name + " " + sim_version() + "\n";
  for (const char* component : {"LibTorch", "hnswlib", "HDF5"}) {
    std::string version = "not linked";
    for (const Runtime& r : info.runtimes) {
      if (r.name == component) version = r.version();
    }
    text += std::string("  ") + component + " " + version + "\n";
  }
  text += "  CLI11 " + cli11_version() + ", spdlog " + spdlog_version();
  return text;
}

std::string cli11_version() { return CLI11_VERSION; }

int run_main(const ProgramInfo& info, int argc, char** argv, const std::function<void(CLI::App&)>& define,
             const std::function<int(const CommonOptions&)>& run) {
  reserve_standard_descriptors();
  // A closed downstream pipe must surface as EPIPE on write (reported, exit 1), not kill us silently.
  std::signal(SIGPIPE, SIG_IGN);
  // Likewise a file-size limit (ulimit -f): a write past it fails with EFBIG (reported, exit 1)
  // instead of killing the program mid-write.
  std::signal(SIGXFSZ, SIG_IGN);
  // Large freed blocks stay in the heap for the next ones: glibc unmaps them and maps fresh, zeroed
  // pages for every later one, so LibTorch's batches page-faulted again at every step (DESIGN.md:
  // ~12x slower inference at batch 1000) and sim-eval faulted in 750 MB for its chunks of 6,000
  // neighbours per query (a twentieth of its time). These programs end when their work does;
  // nothing is held longer than that.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  init_logging(info.name, 0);

  CommonOptions common;
  try {
    CLI::App app(info.summary, info.name);
    app.footer("Example:\n" + info.example);
    app.set_version_flag("--version", std::function<std::string()>([&info] { return version_text(info); }));
    add_flags(app, common);
    define(app);
    try {
      app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
      std::cout << app.help();
      flush_stdout();
      return kExitOk;
    } catch (const CLI::CallForAllHelp&) {
      std::cout << app.help("", CLI::AppFormatMode::All);
      flush_stdout();
      return kExitOk;
    } catch (const CLI::CallForVersion& e) {
      std::cout << e.what() << "\n";
      flush_stdout();
      return kExitOk;
    } catch (const CLI::ParseError& e) {
      // CLI11 has its own exit codes (105, 106, ...); every command-line mistake is 2 here.
      const std::string unknown = first_unknown_option(app, argc, argv);
      spdlog::error("{} (see {} --help)", unknown.empty() ? one_line(e.what()) : "unknown option '" + unknown + "'",
                    info.name);
      return kExitUsage;
    }

    const LaunchEnv launch = info.data_parallel ? read_launch_env() : LaunchEnv{};
    const bool quiet_rank = launch.distributed() && launch.rank != 0;
    init_logging(launch.distributed() ? info.name + " rank " + std::to_string(launch.rank) : info.name,
                 quiet_rank && common.verbosity <= 0 ? -1 : common.verbosity);
    set_progress_style(common.verbosity < 0 || quiet_rank ? ProgressStyle::Off
                       : ::isatty(STDERR_FILENO)          ? ProgressStyle::Bar
                                                          : ProgressStyle::Lines);
    // Ranks sharing a machine share its cores.
    const bool threads_given = common.threads != 0;
    common.threads = threads_given ? resolve_threads(common.threads)
                                   : std::max(1u, resolve_threads(0) / unsigned(launch.local_world_size));
    if (launch.local_world_size_assumed && !threads_given) {
      spdlog::info(
          "LOCAL_WORLD_SIZE is not set: assuming all {} ranks share this machine, {} thread(s) each (set "
          "LOCAL_WORLD_SIZE or --threads to use more)",
          launch.world_size, common.threads);
    }
    std::size_t free_bytes = 0;
    const std::size_t later = std::size_t(&sim_plugin_mapping_mib != nullptr ? sim_plugin_mapping_mib : 0) << 20;
    const unsigned fit = threads_within_address_limit(common.threads, &free_bytes, later);
    if (fit == 0) {
      throw IoError("", "",
                    "the address-space limit (ulimit -v) leaves " + std::to_string(free_bytes >> 20) +
                        " MiB, less than the 64 MiB a run needs at the least; raise the limit");
    }
    if (fit < common.threads) {
      spdlog::warn("the address-space limit (ulimit -v) leaves {} MiB: {} thread(s) instead of {}", free_bytes >> 20,
                   fit, common.threads);
      common.threads = fit;
    }
    for (const Runtime& runtime : info.runtimes) {
      if (runtime.configure) runtime.configure(common);
    }
    const int status = run(common);
    flush_stdout();
    return status;
  } catch (const UsageError& e) {
    spdlog::error("{} (see {} --help)", one_line(e.what()), info.name);
    return e.exit_code();
  } catch (const Error& e) {
    spdlog::error("{}", one_line(e.what()));
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    spdlog::error("out of memory");
    return kExitRuntime;
  } catch (const std::exception& e) {
    // Not one of ours (LibTorch, HDF5 C++...): still one line, still exit 1, never a crash; and
    // only its first line: LibTorch's messages go on with "Exception raised from ..." and frames.
    const std::string what = e.what();
    spdlog::error("{}", one_line(what.substr(0, what.find('\n'))));
    return kExitRuntime;
  }
}

}  // namespace sim
