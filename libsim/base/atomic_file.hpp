// Writing an artifact so that a crash never leaves a half-written file where a good one was.
//
// AtomicFile creates a hidden temporary file in the target's own directory (so the final rename
// never crosses file systems). Write through fd() or, for libraries that open files by name (HDF5,
// hnswlib), through temp_path(). commit() fsyncs the data, renames it over the target and fsyncs
// the directory. Destroying an uncommitted AtomicFile (an exception, an early return) removes the
// temporary and leaves the target exactly as it was. A SIGKILL leaves at most a stray
// ".NAME.tmp.XXXXXX" beside the target, never a damaged target.
#pragma once

#include <cstddef>
#include <string>

namespace sim {

class AtomicFile {
 public:
  // Throws IoError naming `target` when its directory is missing or not writable, or when the
  // target is a directory.
  explicit AtomicFile(std::string target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& target() const noexcept { return target_; }
  const std::string& temp_path() const noexcept { return temp_; }
  int fd() const noexcept { return fd_; }

  // Writes all of `size` bytes to the temporary file or throws IoError.
  void write(const void* data, std::size_t size);

  // Makes the written content the target's. Throws IoError (and keeps the old target) on failure.
  void commit();

 private:
  std::string target_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

// Convenience: writes `content` to `path` atomically.
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace sim
