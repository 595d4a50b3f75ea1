#include "cli/program.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>
#include <CLI/Version.hpp>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/logging.hpp"
#include "base/parallel.hpp"
#include "base/progress.hpp"
#include "base/versions.hpp"

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

}  // namespace

void add_flags(CLI::App& app, CommonOptions& common) {
  app.add_option("--threads", common.threads, "Worker threads for LibTorch and hnswlib (0 = all cores)")
      ->default_val(0)
      ->check(CLI::Range(0, 4096));
  // CLI11 2.1 quietly wraps "-5" and overflows into an unsigned; a seed must be exactly what was typed.
  const CLI::Validator exact_uint64(
      [](std::string& text) -> std::string {
        std::uint64_t value = 0;
        const char* end = text.data() + text.size();
        const auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (text.empty() || ec != std::errc() || ptr != end) return "'" + text + "' is not a number from 0 to 2^64-1";
        return "";
      },
      "UINT64");
  app.add_option("--seed", common.seed, "Seed for every random choice; a fixed seed repeats a run")
      ->default_val(0)
      ->check(exact_uint64);
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
      if (r.name == component) version = r.version;
    }
    text += std::string("  ") + component + " " + version + "\n";
  }
  text += "  CLI11 " + cli11_version() + ", spdlog " + spdlog_version();
  return text;
}

std::string cli11_version() { return CLI11_VERSION; }

int run_main(const ProgramInfo& info, int argc, char** argv, const std::function<void(CLI::App&)>& define,
             const std::function<int(const CommonOptions&)>& run) {
  // A closed downstream pipe must surface as EPIPE on write (reported, exit 1), not kill us silently.
  std::signal(SIGPIPE, SIG_IGN);
  init_logging(info.name, 0);

  CommonOptions common;
  try {
    CLI::App app(info.summary, info.name);
    app.footer("Example:\n" + info.example);
    app.set_version_flag("--version", version_text(info));
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

    init_logging(info.name, common.verbosity);
    set_progress_style(common.verbosity < 0      ? ProgressStyle::Off
                       : ::isatty(STDERR_FILENO) ? ProgressStyle::Bar
                                                 : ProgressStyle::Lines);
    common.threads = resolve_threads(common.threads);
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
    // Not one of ours (LibTorch, HDF5 C++...): still one line, still exit 1, never a crash.
    spdlog::error("{}", one_line(e.what()));
    return kExitRuntime;
  }
}

}  // namespace sim
