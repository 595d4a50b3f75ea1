#include "base/file_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iostream>

#include "base/error.hpp"
#include "base/utf8.hpp"

namespace sim {
namespace {

const char* file_type_name(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a regular file";
}

// O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever if none comes
// (a FIFO in a dataset folder hung every program that scanned it). Only regular files are read:
// everything sim reads by name is a file it may need to size, sniff or seek; pipes come as "-".
int open_regular(const std::string& path, struct stat& st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int err = errno;  // a socket cannot be opened at all (ENXIO): say what it is instead
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
      throw IoError(path, "", std::string("is ") + file_type_name(st.st_mode) + ", not a regular file");
    }
    throw io_error(path, "cannot open", err);
  }
  UniqueFd owned(fd);
  if (::fstat(fd, &st) != 0) throw io_error(path, "cannot stat", errno);
  if (S_ISDIR(st.st_mode)) throw IoError(path, "", "is a directory, expected a file");
  if (!S_ISREG(st.st_mode)) {
    throw IoError(path, "", std::string("is ") + file_type_name(st.st_mode) + ", not a regular file");
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  return owned.release();
}

std::size_t read_up_to(int fd, const std::string& path, char* buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::read(fd, buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw io_error(path, "read failed", errno);
    }
    if (r == 0) break;
    got += std::size_t(r);
  }
  return got;
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    reset(other.fd_);
    other.fd_ = -1;
  }
  return *this;
}

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string read_file(const std::string& path, std::size_t max_bytes) {
  struct stat st {};
  UniqueFd fd(open_regular(path, st));
  if (std::size_t(st.st_size) > max_bytes) {
    throw IoError(
        path, "",
        "file is " + std::to_string(st.st_size) + " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  std::string data(std::size_t(st.st_size), '\0');
  data.resize(read_up_to(fd.get(), path, data.data(), data.size()));
  return data;
}

std::vector<std::string> read_text_lines(const std::string& path, std::size_t max_bytes) {
  const std::string text = read_file(path, max_bytes);
  if (text.find('\0') != std::string::npos || !is_valid_utf8(text)) {
    throw FormatError(path, "", "is not UTF-8 text (one value per line)");
  }
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

std::string read_prefix(const std::string& path, std::size_t n) {
  struct stat st {};
  UniqueFd fd(open_regular(path, st));
  std::string data(n, '\0');
  data.resize(read_up_to(fd.get(), path, data.data(), n));
  return data;
}

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::vector<std::string> list_directory(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (!dir) throw io_error(path, "cannot list directory", errno);
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  const int err = errno;
  ::closedir(dir);
  if (err != 0) throw io_error(path, "cannot list directory", err);
  std::sort(names.begin(), names.end());
  return names;
}

std::string join_path(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool read_line(std::istream& in, std::string& line, std::size_t max_bytes, const std::string& name,
               std::size_t line_number) {
  line.clear();
  std::streambuf* buf = in.rdbuf();
  for (;;) {
    const int c = buf->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      return !line.empty();
    }
    if (c == '\n') return true;
    if (line.size() == max_bytes) {
      throw FormatError(
          name, "line " + std::to_string(line_number),
          "is longer than " + std::to_string(max_bytes) + " bytes (it starts with " + excerpt(line) + ")");
    }
    line.push_back(char(c));
  }
}

namespace {

// Why writes to stdout failed, when the failing write's errno is gone (it may have happened at
// any earlier buffer flush): a descriptor not open for writing (a closed stdout, reserved at
// start-up), or a full file system under a redirected file; else EIO.
int stdout_failure_reason() {
  const int flags = ::fcntl(STDOUT_FILENO, F_GETFL);
  if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) return EBADF;
  struct stat st {};
  struct statvfs fs {};
  if (::fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) && ::fstatvfs(STDOUT_FILENO, &fs) == 0 &&
      fs.f_bavail == 0) {
    return ENOSPC;
  }
  return EIO;
}

}  // namespace

void flush_stdout() {
  // std::cout writes through stdio's stdout; whichever flush fails first has the real errno.
  errno = 0;
  std::cout.flush();
  int err = std::cout ? 0 : errno;
  if (std::fflush(stdout) != 0 && err == 0) err = errno;
  if (!std::cout || std::ferror(stdout)) {
    std::cout.clear();
    std::clearerr(stdout);
    throw io_error("-", "writing to standard output failed", err != 0 ? err : stdout_failure_reason());
  }
}

}  // namespace sim
