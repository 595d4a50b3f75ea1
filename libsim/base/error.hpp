// Typed errors thrown by libsim and mapped to exit codes in one place (run_main).
//
// Every error names what it is about: the file (or "-" for stdin/stdout, or "" when no file is
// involved) and the field inside it (an HDF5 dataset, a sidecar key, a command-line option...).
// what() is the full one-line message: "FILE: FIELD: detail", parts omitted when empty.
#pragma once

#include <stdexcept>
#include <string>

namespace sim {

// Exit statuses shared by every program (documented in each man page under EXIT STATUS).
enum ExitCode : int {
  kExitOk = 0,
  kExitRuntime = 1,  // bad file, I/O failure, anything that went wrong at run time
  kExitUsage = 2,    // the command line itself is wrong
  kExitGate = 3,     // a quality gate failed (sim-eval --fail-under / --max-drop)
};

class Error : public std::runtime_error {
 public:
  Error(std::string file, std::string field, const std::string& detail);
  const std::string& file() const noexcept { return file_; }
  const std::string& field() const noexcept { return field_; }
  const std::string& detail() const noexcept { return detail_; }
  virtual int exit_code() const noexcept { return kExitRuntime; }

 private:
  std::string file_, field_, detail_;
};

// The command line asks for something impossible (unknown distance, conflicting flags...).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& detail, std::string option = "") : Error("", std::move(option), detail) {}
  int exit_code() const noexcept override { return kExitUsage; }
};

// A file's content is wrong: bad magic, newer version, truncated, sizes that do not add up.
class FormatError : public Error {
 public:
  using Error::Error;
};

// The operating system refused: cannot open, read, write, rename; stdout closed.
class IoError : public Error {
 public:
  using Error::Error;
};

// A quality gate failed; field names the metric.
class GateError : public Error {
 public:
  GateError(std::string metric, const std::string& detail) : Error("", std::move(metric), detail) {}
  int exit_code() const noexcept override { return kExitGate; }
};

// The OS's reason for errno_value, as messages give it: strerror, with "disk full" said as such.
std::string errno_reason(int errno_value);

// An IoError for a failed system call on `file`, with errno_reason(errno_value) as detail.
IoError io_error(const std::string& file, const std::string& what, int errno_value);

}  // namespace sim
