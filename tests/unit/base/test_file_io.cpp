#include <doctest/doctest.h>
#include <sys/stat.h>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "fixtures.hpp"
#include "temp_dir.hpp"

TEST_CASE("list_directory is bytewise sorted and skips . and ..") {
  sim::test::TempDir dir;
  for (const char* name : {"b", "B", "a", "ä", ".hidden"}) sim::fixtures::write_bytes(dir.path() + "/" + name, "x");
  CHECK(sim::list_directory(dir.path()) == std::vector<std::string>{".hidden", "B", "a", "b", "ä"});
  CHECK_THROWS_WITH_AS(sim::list_directory(dir.path() + "/nope"), doctest::Contains("nope: cannot list directory"),
                       sim::IoError);
}

TEST_CASE("read_file and read_prefix") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/f";
  sim::fixtures::write_bytes(path, "hello world");
  CHECK(sim::read_file(path) == "hello world");
  CHECK(sim::read_prefix(path, 5) == "hello");
  CHECK(sim::read_prefix(path, 100) == "hello world");
  CHECK_THROWS_WITH_AS(sim::read_file(path, 4), doctest::Contains("more than the limit of 4"), sim::IoError);
  CHECK_THROWS_WITH_AS(sim::read_file(dir.path()), doctest::Contains("is a directory"), sim::IoError);
  CHECK_THROWS_AS(sim::read_file(dir.path() + "/missing"), sim::IoError);
}

TEST_CASE("path helpers") {
  CHECK(sim::join_path("a", "b") == "a/b");
  CHECK(sim::join_path("a/", "b") == "a/b");
  CHECK(sim::join_path("", "b") == "b");
  sim::test::TempDir dir;
  CHECK(sim::is_directory(dir.path()));
  CHECK_FALSE(sim::is_regular_file(dir.path()));
}
