// run_main is where every program's conventions live; drive it like a program would be driven.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "cli/program.hpp"

namespace {

const sim::ProgramInfo kInfo{"sim-test", "A test program.", "  sim-test -n 3", {{"HDF5", [] { return std::string("9.9.9"); }, nullptr}}};

struct Result {
  int status;
  int n;
  sim::CommonOptions common;
};

// Runs run_main with the given arguments; `body` is the program's work.
Result run(
    std::vector<std::string> args, const std::function<int()>& body = [] { return 0; }) {
  args.insert(args.begin(), "sim-test");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  Result result{-1, 0, {}};
  result.status = sim::run_main(
      kInfo, int(argv.size()), argv.data(), [&](CLI::App& app) { app.add_option("-n", result.n); },
      [&](const sim::CommonOptions& common) {
        result.common = common;
        return body();
      });
  return result;
}

}  // namespace

TEST_CASE("common flags reach the program") {
  const Result r = run({"-n", "3", "--threads", "2", "--seed", "7", "-vv"});
  CHECK(r.status == 0);
  CHECK(r.n == 3);
  CHECK(r.common.threads == 2);
  CHECK(r.common.seed == 7);
  CHECK(r.common.verbosity == 2);
  CHECK(run({"-q"}).common.verbosity == -1);
}

TEST_CASE("threads default to all cores") { CHECK(run({}).common.threads >= 1); }

TEST_CASE("command-line mistakes exit 2, not CLI11's own codes") {
  CHECK(run({"--no-such-flag"}).status == sim::kExitUsage);
  CHECK(run({"-n", "three"}).status == sim::kExitUsage);
  CHECK(run({"--threads", "-1"}).status == sim::kExitUsage);
  CHECK(run({}, []() -> int { throw sim::UsageError("conflicting flags"); }).status == sim::kExitUsage);
}

TEST_CASE("help and version exit 0 without running the program") {
  bool ran = false;
  CHECK(run({"--help"}, [&] { return ran = true, 0; }).status == 0);
  CHECK(run({"--version"}, [&] { return ran = true, 0; }).status == 0);
  CHECK_FALSE(ran);
}

TEST_CASE("errors map to their exit codes at the one catch site") {
  CHECK(run({}, []() -> int { throw sim::FormatError("a.h5", "labels", "bad"); }).status == sim::kExitRuntime);
  CHECK(run({}, []() -> int { throw sim::GateError("map@r", "0.5 < 0.6"); }).status == sim::kExitGate);
  CHECK(run({}, []() -> int { throw std::runtime_error("from a dependency"); }).status == sim::kExitRuntime);
  CHECK(run({}, []() -> int { throw std::bad_alloc(); }).status == sim::kExitRuntime);
  CHECK(run({}, [] { return 3; }).status == 3);
}

TEST_CASE("version text lists LibTorch, hnswlib and HDF5") {
  const std::string text = sim::version_text(kInfo);
  CHECK(text.find("sim-test ") == 0);
  CHECK(text.find("LibTorch not linked") != std::string::npos);
  CHECK(text.find("hnswlib not linked") != std::string::npos);
  CHECK(text.find("HDF5 9.9.9") != std::string::npos);
}

TEST_CASE("an unknown flag is reported even when a required argument is missing too") {
  // CLI11 alone would complain about the missing argument first; the typo is the real mistake.
  std::vector<std::string> args{"sim-test", "--bogus"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::string required;
  const int status = sim::run_main(
      kInfo, int(argv.size()), argv.data(), [&](CLI::App& app) { app.add_option("-i", required)->required(); },
      [](const sim::CommonOptions&) { return 0; });
  CHECK(status == sim::kExitUsage);
}

TEST_CASE("a seed must be exactly a 64-bit unsigned number") {
  CHECK(run({"--seed", "18446744073709551615"}).common.seed == 18446744073709551615ull);
  CHECK(run({"--seed", "-5"}).status == sim::kExitUsage);
  CHECK(run({"--seed", "18446744073709551616"}).status == sim::kExitUsage);
  CHECK(run({"--seed", "12abc"}).status == sim::kExitUsage);
}
