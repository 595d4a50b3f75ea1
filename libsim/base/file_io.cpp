#include "base/file_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iostream>

#include "base/error.hpp"

namespace sim {
namespace {

int open_regular(const std::string& path, struct stat& st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw io_error(path, "cannot open", errno);
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw io_error(path, "cannot stat", err);
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw IoError(path, "", "is a directory, expected a file");
  }
  return fd;
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

void flush_stdout() {
  // std::cout writes through stdio's stdout; whichever flush fails first has the real errno.
  errno = 0;
  std::cout.flush();
  int err = std::cout ? 0 : errno;
  if (std::fflush(stdout) != 0 && err == 0) err = errno;
  if (!std::cout || std::ferror(stdout)) {
    std::cout.clear();
    std::clearerr(stdout);
    throw io_error("-", "writing to standard output failed", err != 0 ? err : EIO);
  }
}

}  // namespace sim
