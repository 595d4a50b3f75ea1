#include "base/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/error.hpp"
#include "base/file_io.hpp"

namespace sim {
namespace {

// mkstemp creates files 0600; artifacts should get the usual 0666 & ~umask like any other output.
// umask can only be read by setting it, so do it once, before any worker threads exist.
mode_t default_file_mode() {
  static const mode_t mode = [] {
    const mode_t mask = ::umask(0);
    ::umask(mask);
    return mode_t(0666 & ~mask);
  }();
  return mode;
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // durability only; the rename itself already happened
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFile::AtomicFile(std::string target) : target_(std::move(target)) {
  if (target_.empty() || target_.back() == '/') throw IoError(target_, "", "not a file name");
  struct stat st {};
  if (::stat(target_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw IoError(target_, "", "is a directory, expected a file");
  }
  const std::string dir = parent_dir(target_);
  std::string pattern = dir + "/." + base_name(target_) + ".tmp.XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  fd_ = ::mkstemp(buf.data());
  if (fd_ < 0) throw io_error(target_, "cannot create a temporary file in '" + dir + "'", errno);
  temp_.assign(buf.data());
  (void)::fchmod(fd_, default_file_mode());
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::write(const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw io_error(target_, "write failed", errno);
    }
    p += n;
    size -= std::size_t(n);
  }
}

void AtomicFile::commit() {
  if (committed_) return;
  // The content may have been written through temp_path() by another library; fsync by name too.
  if (::fsync(fd_) != 0) throw io_error(target_, "fsync failed", errno);
  const int by_name = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
  if (by_name >= 0) {
    (void)::fsync(by_name);
    ::close(by_name);
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) throw io_error(target_, "cannot rename into place", errno);
  committed_ = true;
  fsync_dir(parent_dir(target_));
}

void write_file_atomically(const std::string& path, const std::string& content) {
  AtomicFile file(path);
  file.write(content.data(), content.size());
  file.commit();
}

}  // namespace sim
