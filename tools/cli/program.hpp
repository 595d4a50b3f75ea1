// What every sim program shares: its common flags, --help/--version, logging set-up, and the one
// place where errors become exit codes. This is the command-line layer (tools/cli, the only code
// that sees CLI11): libsim takes plain option structs, and --threads and --seed as values.
//
// A program's main() is:
//   sim::ProgramInfo info{"sim-x", "one-line summary", "an example command", {runtimes...}};
//   sim::XOptions options;
//   return sim::run_main(info, argc, argv, [&](CLI::App& app) { sim::add_flags(app, options); },
//                        [&](const sim::CommonOptions& common) { ...; return sim::kExitOk; });
//
// run_main parses (CLI11's errors become exit 2 with a one-line message; --help and --version print
// to stdout and exit 0), sets up logging and progress, configures each runtime (threads, seed),
// calls `run`, checks that stdout took everything written to it, and maps every exception to its
// exit status (see error.hpp). SIGPIPE is ignored so that a closed pipe is reported, not fatal.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sim {

// Flags every program has, spelled the same everywhere.
struct CommonOptions {
  unsigned threads = 0;    // --threads; 0 = all cores; resolved to a real count before run()
  std::uint64_t seed = 0;  // --seed
  int verbosity = 0;       // +1 per -v, -1 per -q
};

// Registers --threads, --seed, -v and -q (run_main does, for every program).
void add_flags(CLI::App& app, CommonOptions& common);

// A heavy dependency a program links: reported by --version, configured from the common flags
// before run() (e.g. LibTorch's intra-op threads and seed).
struct Runtime {
  std::string name;
  std::function<std::string()> version;  // asked only by --version (LibTorch's loads its plugin)
  std::function<void(const CommonOptions&)> configure;  // may be empty
};

struct ProgramInfo {
  std::string name;     // "sim-index"; also the logger's name
  std::string summary;  // first line of --help
  std::string example;  // --help ends with it (one or more lines)
  std::vector<Runtime> runtimes;
  // sim-train and sim-embed: a rank of a data-parallel job when the launch environment says so
  // (base/launch_env.hpp). Its log lines then say "sim-train rank N:", ranks other than 0 log
  // warnings and errors only (unless -v) and show no progress, and --threads 0 means the cores
  // divided by the ranks on this machine (LOCAL_WORLD_SIZE).
  bool data_parallel = false;
};

// The text of --version: "sim-index 0.1.0" then one line per component, LibTorch, hnswlib and
// HDF5 always listed ("not linked" for those this program does not use).
std::string version_text(const ProgramInfo& info);

std::string cli11_version();

int run_main(const ProgramInfo& info, int argc, char** argv, const std::function<void(CLI::App&)>& define,
             const std::function<int(const CommonOptions&)>& run);

}  // namespace sim
