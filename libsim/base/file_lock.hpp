// Advisory locks between processes, on one byte of a lock file each.
//
// Linux open-file-description locks (fcntl F_OFD_SETLK): released when the holder closes the file
// or dies, however it dies (SIGKILL included), so a crashed writer never leaves a lock behind; and,
// unlike classic POSIX record locks, two opens of the file in one process are two holders, so a
// writer's own reader lock is a separate lock, and closing some other descriptor of the file does
// not silently drop one. The lock file itself is never removed: removing a lock file races with a
// process that has just opened it.
#pragma once

#include <string>
#include <utility>

#include "base/file_io.hpp"

namespace sim {

enum class LockMode { Shared, Exclusive };

class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&&) noexcept = default;
  FileLock& operator=(FileLock&&) noexcept = default;

  // Exclusive: opens `path` for writing (creating it, 0666 & ~umask) and locks `byte`.
  // Shared: opens `path` for reading and locks `byte` shared; a lock file that is missing or that
  // this process may not open gives an empty FileLock (no one who locks can be writing there yet).
  // wait = false returns an empty FileLock when another holder's lock conflicts; wait = true
  // blocks until it is granted. Throws IoError naming `path` for any other failure.
  static FileLock acquire(const std::string& path, int byte, LockMode mode, bool wait);

  bool held() const noexcept { return fd_.get() >= 0; }
  // Replaces the file's content with `text` (who holds the lock, for the next one's message).
  void describe_holder(const std::string& text) const;
  // The file's content as the holder wrote it ("" if unreadable), at most 200 bytes.
  static std::string read_holder(const std::string& path);

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace sim
