#include "base/file_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.hpp"

namespace sim {
namespace {

// F_OFD_SETLK(W) on one byte; returns 0, or the errno of a failure (EAGAIN/EACCES: someone else).
int lock_byte(int fd, int byte, LockMode mode, bool wait) {
  struct flock lock {};
  lock.l_type = mode == LockMode::Exclusive ? F_WRLCK : F_RDLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = byte;
  lock.l_len = 1;
  lock.l_pid = 0;  // required for OFD locks
  while (::fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &lock) != 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

}  // namespace

FileLock FileLock::acquire(const std::string& path, int byte, LockMode mode, bool wait) {
  const bool exclusive = mode == LockMode::Exclusive;
  // O_NONBLOCK: a lock file replaced by a FIFO must not hang the open (it then fails to lock).
  const int flags = O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
  const int fd =
      exclusive ? ::open(path.c_str(), O_RDWR | O_CREAT | flags, 0666) : ::open(path.c_str(), O_RDONLY | flags);
  if (fd < 0) {
    const int err = errno;
    if (!exclusive && (err == ENOENT || err == EACCES || err == EPERM)) return {};
    throw io_error(path, exclusive ? "cannot create the lock file" : "cannot open the lock file", err);
  }
  UniqueFd owned(fd);
  const int err = lock_byte(fd, byte, mode, wait);
  if (err == EAGAIN || err == EACCES) return {};
  if (err != 0) throw io_error(path, "cannot lock", err);
  return FileLock(std::move(owned));
}

void FileLock::describe_holder(const std::string& text) const {
  if (!held()) return;
  // Best effort: the lock is what excludes, this text only explains who holds it.
  if (::ftruncate(fd_.get(), 0) == 0) (void)!::pwrite(fd_.get(), text.data(), text.size(), 0);
}

std::string FileLock::read_holder(const std::string& path) {
  try {
    std::string text = read_prefix(path, 200);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
    return text;
  } catch (const Error&) {
    return "";
  }
}

}  // namespace sim
