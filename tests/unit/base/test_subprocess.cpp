// capture_stdout: sim-query -m gets sim-embed's embeddings through it, and must exit as sim-embed
// did when sim-embed refuses something.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/subprocess.hpp"

namespace {

std::string sh(const std::string& script) {
  const auto out = sim::capture_stdout("/bin/sh", {"-c", script});
  return std::string(out.begin(), out.end());
}

int status_of(const std::string& script) {
  try {
    sh(script);
  } catch (const sim::ChildFailed& e) {
    return e.exit_code();
  }
  return 0;
}

}  // namespace

TEST_CASE("capture_stdout returns everything the child wrote") {
  CHECK(sh("printf 'a\\0b'") == std::string("a\0b", 3));
  CHECK(sh("true").empty());
  // More than a pipe holds (64 KiB): the parent must read while the child writes.
  CHECK(sh("head -c 3000000 /dev/zero").size() == 3000000);
}

TEST_CASE("a failing child's exit status becomes the error's") {
  CHECK(status_of("exit 0") == 0);
  CHECK(status_of("echo partial; exit 1") == 1);
  CHECK(status_of("exit 2") == 2);
  CHECK(status_of("kill -9 $$") == 1);  // a signal is a run-time failure
  CHECK_THROWS_AS(sim::capture_stdout("/nonexistent/program", {}), sim::IoError);
}

TEST_CASE("sibling_program finds programs beside this one, and names a missing one") {
  CHECK_THROWS_WITH_AS(sim::sibling_program("no-such-sim-program"), doctest::Contains("no-such-sim-program"),
                       sim::IoError);
}
