// Small, checked file-system helpers. Every failure is an IoError naming the path.
#pragma once

#include <cstddef>
#include <iosfwd>
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
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  int get() const noexcept { return fd_; }
  void reset(int fd = -1) noexcept;
  // Gives up ownership: returns the descriptor, which the caller now closes.
  int release() noexcept {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// Reads a whole regular file. Throws IoError if it cannot be opened, is not a regular file (a
// directory, a FIFO: opened without blocking, so a FIFO never hangs the caller), or is larger than
// max_bytes (checked before allocating).
std::string read_file(const std::string& path, std::size_t max_bytes = std::size_t(1) << 30);

// A UTF-8 text file's lines ("\n" or "\r\n" endings; a final newline optional; "" for an empty line):
// lists of labels, ids or class names. Throws IoError as read_file does, FormatError naming the
// file when it holds NUL bytes or is not UTF-8.
std::vector<std::string> read_text_lines(const std::string& path, std::size_t max_bytes = std::size_t(1) << 32);

// Reads up to n bytes from the start of a regular file (for sniffing magic bytes); fewer if it is
// shorter. Refuses what read_file refuses.
std::string read_prefix(const std::string& path, std::size_t n);

bool is_directory(const std::string& path);
bool is_regular_file(const std::string& path);

// Entries of a directory (names only, no "." or ".."), sorted bytewise so the order is the same on
// every machine and locale. Throws IoError if it cannot be listed.
std::vector<std::string> list_directory(const std::string& path);

// "dir/name" without doubling a trailing slash.
std::string join_path(const std::string& dir, const std::string& name);
// The folder part of a path ("." for a bare name, "/" at the root) and the name part.
std::string parent_dir(const std::string& path);
std::string base_name(const std::string& path);

// Reads one line of `in` into `line` (without the '\n'; a final line without one counts), like
// std::getline but bounded: throws FormatError naming `name` and the line when it is longer than
// max_bytes, before holding more (`sim-query --stream </dev/zero` would otherwise grow forever).
// Returns false at the end of the input.
bool read_line(std::istream& in, std::string& line, std::size_t max_bytes, const std::string& name,
               std::size_t line_number);

// Flushes stdout and throws IoError("-", ...) if anything written to it was lost (closed pipe,
// full disk). Programs call it at the end (run_main) and streaming ones after each answer.
void flush_stdout();

}  // namespace sim
