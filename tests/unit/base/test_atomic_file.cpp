#include <dirent.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

using sim::test::slurp;

namespace {

int count_entries(const std::string& dir) {
  int n = 0;
  DIR* d = ::opendir(dir.c_str());
  while (dirent* e = ::readdir(d)) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++n;
  }
  ::closedir(d);
  return n;
}

}  // namespace

TEST_CASE("commit replaces the target; nothing is left behind") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/model.sim";
  sim::write_file_atomically(path, "old");
  sim::write_file_atomically(path, "new content");
  CHECK(slurp(path) == "new content");
  CHECK(count_entries(dir.path()) == 1);

  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  const mode_t mask = ::umask(0);
  ::umask(mask);
  CHECK((st.st_mode & 0777) == (0666 & ~mask));  // not mkstemp's 0600
}

TEST_CASE("an uncommitted write leaves the old file untouched and removes the temporary") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/emb.h5";
  sim::write_file_atomically(path, "good");
  try {
    sim::AtomicFile file(path);
    file.write("half", 4);
    CHECK(file.temp_path().find(dir.path() + "/.emb.h5.tmp.") == 0);
    throw std::runtime_error("crash while writing");
  } catch (const std::runtime_error&) {
  }
  CHECK(slurp(path) == "good");
  CHECK(count_entries(dir.path()) == 1);
}

TEST_CASE("libraries may write through temp_path") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/out.txt";
  sim::AtomicFile file(path);
  { std::ofstream(file.temp_path()) << "by name"; }
  file.commit();
  CHECK(slurp(path) == "by name");
}

TEST_CASE("bad targets are IoErrors naming the file") {
  sim::test::TempDir dir;
  CHECK_THROWS_WITH_AS(sim::AtomicFile(dir.path() + "/missing/dir/x.idx"), doctest::Contains("missing/dir/x.idx"),
                       sim::IoError);
  CHECK_THROWS_WITH_AS(sim::AtomicFile(dir.path()), doctest::Contains("is a directory"), sim::IoError);
}
