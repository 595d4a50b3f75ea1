// One writer at a time per index, readers never losing a file, and saves that would undo another
// process's write refused (search/index_lock.hpp). Two locks in one process are two holders here
// (open-file-description locks), so one process can play both sides.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/error.hpp"
#include "base/file_lock.hpp"
#include "commands/index_command.hpp"
#include "search/index_file.hpp"
#include "search/index_lock.hpp"
#include "search/index_test_data.hpp"
#include "temp_dir.hpp"

namespace fs = std::filesystem;

namespace {

sim::Embeddings items(std::size_t n, std::uint64_t seed, const std::string& prefix) {
  const auto data = sim::test::clustered(n, 8, 2, seed);
  return sim::test::embeddings(data.points, 8, data.label, {"ant", "bee"}, prefix);
}

sim::IndexArtifact built(std::size_t n) {
  sim::BuildOptions options;
  options.threads = 1;
  return sim::build_index(items(n, 1, "item-"), "in.h5", options);
}

}  // namespace

TEST_CASE("a second writer fails at once naming the first, or waits for it") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/x.idx";
  auto first = std::make_unique<sim::IndexWriteLock>(path, false);
  CHECK(fs::exists(path + ".lock"));
  const std::string holder = "test_search (pid " + std::to_string(::getpid()) + ")";
  CHECK_THROWS_WITH_AS(sim::IndexWriteLock(path, false),
                       doctest::Contains(("x.idx: is being written by " + holder).c_str()), sim::IoError);
  sim::IndexArtifact a = built(20);
  CHECK_THROWS_WITH_AS(sim::save_index(a, path, ""), doctest::Contains("--wait"), sim::IoError);
  CHECK_FALSE(fs::exists(path));

  const auto start = std::chrono::steady_clock::now();
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    first.reset();
  });
  sim::SaveOptions wait;
  wait.wait = true;
  sim::save_index(a, path, "", wait);
  release.join();
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
  CHECK(sim::load_index(path).size() == 20);
  sim::IndexWriteLock again(path, false);  // save_index released its lock
}

TEST_CASE("load_index_for_writing holds the lock until its save") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/x.idx";
  sim::IndexArtifact a = built(20);
  sim::save_index(a, path, "");
  sim::IndexArtifact held = sim::load_index_for_writing(path, false);
  CHECK_THROWS_AS(sim::load_index_for_writing(path, false), sim::IoError);
  sim::add_to_index(held, items(5, 2, "new-"), "new.h5", {});
  sim::save_index(held, path, "");
  CHECK(sim::load_index_for_writing(path, false).size() == 25);
}

TEST_CASE("a save that would undo another write is refused") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/x.idx";
  sim::IndexArtifact a = built(20);
  sim::save_index(a, path, "");
  sim::IndexArtifact mine = sim::load_index(path);  // read without the lock, as a library user may
  sim::IndexArtifact theirs = sim::load_index(path);
  sim::add_to_index(theirs, items(5, 2, "theirs-"), "t.h5", {});
  sim::save_index(theirs, path, "");
  sim::add_to_index(mine, items(5, 3, "mine-"), "m.h5", {});
  CHECK_THROWS_WITH_AS(sim::save_index(mine, path, ""), doctest::Contains("was written by another process"),
                       sim::IoError);
  CHECK(sim::load_index(path).size() == 25);  // theirs, whole
  sim::save_index(theirs, path, "");          // the artifact that wrote last may write again
}

TEST_CASE("a write removes the files of old generations and of writers that died, nothing else") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/x.idx";
  sim::IndexArtifact a = built(20);
  sim::save_index(a, path, "");
  for (const char* stray : {"x.idx.g7.hnsw", ".x.idx.tmp.AbC123", ".x.idx.g9.hnsw.tmp.XyZ789"}) {
    std::ofstream(dir.path() + "/" + stray) << "left by a writer that was killed";
  }
  for (const char* other : {"x.idx.gold.hnsw", "y.idx.g1.hnsw", "x.idx.g2.hnsw.bak"}) {
    std::ofstream(dir.path() + "/" + other) << "not ours";
  }
  sim::IndexArtifact b = sim::load_index(path);
  sim::add_to_index(b, items(5, 2, "new-"), "new.h5", {});
  sim::save_index(b, path, "");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"x.idx", "x.idx.g2.hnsw", "x.idx.g2.hnsw.bak", "x.idx.gold.hnsw",
                                          "x.idx.lock", "y.idx.g1.hnsw"});
}

TEST_CASE("file locks: shared ones coexist, an exclusive one excludes them") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/l";
  CHECK_FALSE(sim::FileLock::acquire(path, 1, sim::LockMode::Shared, false).held());  // no file yet: no lock
  const sim::FileLock writer = sim::FileLock::acquire(path, 0, sim::LockMode::Exclusive, false);
  REQUIRE(writer.held());
  const sim::FileLock r1 = sim::FileLock::acquire(path, 1, sim::LockMode::Shared, false);
  const sim::FileLock r2 = sim::FileLock::acquire(path, 1, sim::LockMode::Shared, false);
  CHECK(r1.held());
  CHECK(r2.held());
  CHECK_FALSE(sim::FileLock::acquire(path, 1, sim::LockMode::Exclusive, false).held());
  CHECK_FALSE(sim::FileLock::acquire(path, 0, sim::LockMode::Exclusive, false).held());
}

TEST_CASE("a lock file replaced by a FIFO does not hang a reader or a writer") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/x.idx";
  sim::IndexArtifact a = built(20);
  sim::save_index(a, path, "");
  fs::remove(path + ".lock");
  REQUIRE(::mkfifo((path + ".lock").c_str(), 0600) == 0);
  CHECK(sim::load_index(path).size() == 20);  // returns: the open did not wait for a writer
  sim::IndexArtifact b = sim::load_index_for_writing(path, false);
  sim::save_index(b, path, "");
}
