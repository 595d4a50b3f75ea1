// Running another sim program and taking its output: sim-query -m runs sim-embed rather than link
// LibTorch itself, which would cost every sim-query process ~0.45 s of start-up (loading and
// registering LibTorch's operators) to serve the one mode that embeds.
#pragma once

#include <string>
#include <vector>

#include "base/error.hpp"

namespace sim {

// The program `name` installed beside the running one (the same directory: the build tree's
// tools/ or the install's bin/). Throws IoError naming the expected path if it is not there.
std::string sibling_program(const std::string& name);
// The running program's directory, with a trailing '/'. Throws IoError if /proc says nothing.
std::string running_program_dir();

// The child exited unsuccessfully; it has said why on stderr already. Carries its exit status, so
// the parent exits as the child did (1 for a bad file, 2 for a bad command line).
class ChildFailed : public Error {
 public:
  ChildFailed(const std::string& program, int status, const std::string& detail)
      : Error(program, "", detail), status_(status) {}
  int exit_code() const noexcept override { return status_; }

 private:
  int status_;
};

// Runs `program` with `args`, stdin and stderr shared with this process, and returns all it wrote
// to stdout once it has exited successfully. Throws IoError if it cannot be started, ChildFailed if
// it exits with a non-zero status or dies of a signal (then status 1).
std::vector<unsigned char> capture_stdout(const std::string& program, const std::vector<std::string>& args);

}  // namespace sim
