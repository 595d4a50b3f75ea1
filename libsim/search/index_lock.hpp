// Who may touch an index's files, and when: writers exclude each other, readers never lose a file
// they are about to open.
//
// INDEX.lock, beside the sidecar, created by the first writer and never removed, carries two locks
// (base/file_lock.hpp: released by the kernel when the holder exits, however it exits):
//   byte 0, the writer lock, exclusive: held by every writer (sim-index build, add and delete,
//           sim-eval --write) from before it reads the index's current generation until the new
//           one is in place. Two writers never both start from generation N, which would lose one
//           of their changes.
//   byte 1, the readers' lock, shared: held by load_index while it opens the sidecar and then the
//           hnswlib file that sidecar names. A writer takes it exclusive only to remove files of
//           old generations, so none disappears between a reader's reading the sidecar and opening
//           the file it names. A loaded index is in memory and needs no file afterwards.
// An index written before locks existed has no INDEX.lock until its first locked write; readers
// then read unlocked, as they used to.
#pragma once

#include <string>

#include "base/file_lock.hpp"

namespace sim {

// INDEX.lock for the sidecar at `sidecar`, as an absolute path (beside the link's target when the
// sidecar is a symbolic link).
std::string index_lock_path(const std::string& sidecar);

class IndexWriteLock {
 public:
  // Takes the writer lock of the index at `sidecar`, which need not exist yet. When another
  // process holds it: wait = false throws IoError naming the index and the holder (and --wait);
  // wait = true logs who holds it and blocks until it is released.
  IndexWriteLock(const std::string& sidecar, bool wait);

  const std::string& lock_path() const noexcept { return lock_path_; }

 private:
  std::string lock_path_;
  FileLock lock_;
};

// The readers' lock, shared, for as long as the returned lock lives (empty when the index has no
// lock file or it cannot be opened: see above).
FileLock lock_index_for_reading(const std::string& sidecar);

// With the writer lock held and the new sidecar in place: removes this index's hnswlib files other
// than `keep` (the old generation, and any left by a writer that died between its two renames)
// and temporaries of writers that died, waiting for readers that are opening the index. Failures
// to remove are logged, never thrown: the index itself is already complete.
void remove_stale_files(const IndexWriteLock& held, const std::string& sidecar, const std::string& keep);

}  // namespace sim
