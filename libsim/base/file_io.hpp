// Small, checked file-system helpers. Every failure is an IoError naming the path.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace sim {

// Owns a file descriptor and closes it on every path out of a scope (-1: none).
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) noexcept : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const noexcept { return fd_; }
  void reset(int fd = -1) noexcept;

 private:
  int fd_;
};

// Reads a whole regular file. Throws IoError if it cannot be opened, is a directory, or is larger
// than max_bytes (checked before allocating).
std::string read_file(const std::string& path, std::size_t max_bytes = std::size_t(1) << 30);

// Reads up to n bytes from the start of a file (for sniffing magic bytes); fewer if it is shorter.
std::string read_prefix(const std::string& path, std::size_t n);

bool is_directory(const std::string& path);
bool is_regular_file(const std::string& path);

// Entries of a directory (names only, no "." or ".."), sorted bytewise so the order is the same on
// every machine and locale. Throws IoError if it cannot be listed.
std::vector<std::string> list_directory(const std::string& path);

// "dir/name" without doubling a trailing slash.
std::string join_path(const std::string& dir, const std::string& name);

// Flushes stdout and throws IoError("-", ...) if anything written to it was lost (closed pipe,
// full disk). Programs call it at the end (run_main) and streaming ones after each answer.
void flush_stdout();

}  // namespace sim
