#include "search/index_lock.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "search/index_file.hpp"

namespace sim {
namespace {

constexpr int kWriterByte = 0;
constexpr int kReaderByte = 1;

bool all_digits(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// "BASE.gN.hnsw": a generation's hnswlib file of the index BASE.
bool is_generation_file(const std::string& name, const std::string& base) {
  const std::string prefix = base + ".g";
  if (!starts_with(name, prefix) || !ends_with(name, ".hnsw")) return false;
  return all_digits(name.substr(prefix.size(), name.size() - prefix.size() - 5));
}

// ".BASE.tmp.XXXXXX" and ".BASE.gN.hnsw.tmp.XXXXXX": AtomicFile's temporaries for this index.
bool is_temporary_file(const std::string& name, const std::string& base) {
  if (starts_with(name, "." + base + ".tmp.")) return true;
  const auto tmp = name.rfind(".tmp.");
  return tmp != std::string::npos && name[0] == '.' && is_generation_file(name.substr(1, tmp - 1), base);
}

std::string holder_text() { return std::to_string(::getpid()) + " " + program_invocation_short_name + "\n"; }

std::string holder_phrase(const std::string& lock_path) {
  const std::string holder = FileLock::read_holder(lock_path);
  const auto space = holder.find(' ');
  if (space == std::string::npos) return "another process";
  return holder.substr(space + 1) + " (pid " + holder.substr(0, space) + ")";
}

}  // namespace

std::string index_lock_path(const std::string& sidecar) {
  // Absolute, so that however the index is named ("x.idx", "./x.idx", before and after it exists)
  // one process compares equal strings for one lock file.
  char resolved[PATH_MAX];
  if (::realpath(sidecar.c_str(), resolved) != nullptr) return std::string(resolved) + ".lock";
  if (::realpath(parent_dir(sidecar).c_str(), resolved) != nullptr) {
    return join_path(resolved, base_name(sidecar)) + ".lock";
  }
  return sidecar + ".lock";
}

IndexWriteLock::IndexWriteLock(const std::string& sidecar, bool wait) : lock_path_(index_lock_path(sidecar)) {
  lock_ = FileLock::acquire(lock_path_, kWriterByte, LockMode::Exclusive, false);
  if (!lock_.held()) {
    const std::string holder = holder_phrase(lock_path_);
    if (!wait) {
      throw IoError(
          sidecar, "",
          "is being written by " + holder + "; try again when it has finished, or pass --wait to wait for it");
    }
    spdlog::info("{}: waiting for {}, which is writing this index", sidecar, holder);
    lock_ = FileLock::acquire(lock_path_, kWriterByte, LockMode::Exclusive, true);
  }
  lock_.describe_holder(holder_text());
}

FileLock lock_index_for_reading(const std::string& sidecar) {
  return FileLock::acquire(index_lock_path(sidecar), kReaderByte, LockMode::Shared, true);
}

void remove_stale_files(const IndexWriteLock& held, const std::string& sidecar, const std::string& keep) {
  const FileLock no_readers = FileLock::acquire(held.lock_path(), kReaderByte, LockMode::Exclusive, true);
  const std::string dir = parent_dir(sidecar);
  const std::string base = base_name(sidecar);
  std::vector<std::string> names;
  try {
    names = list_directory(dir);
  } catch (const Error& e) {
    spdlog::warn("{}", e.what());
    return;
  }
  for (const std::string& name : names) {
    const bool generation = is_generation_file(name, base);
    if (name == keep || !(generation || is_temporary_file(name, base))) continue;
    const std::string path = join_path(dir, name);
    if (generation && looks_like_index(path)) continue;  // a sidecar merely named like one: not ours
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      spdlog::warn("{}: cannot remove this stale file of the index: {}", path, std::strerror(errno));
    }
  }
}

}  // namespace sim
