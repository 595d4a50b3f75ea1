#include <doctest/doctest.h>
#include <sys/stat.h>

#include <sstream>
#include <string>
#include <vector>

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

TEST_CASE("only regular files are read: a FIFO or socket is refused at once, never waited on") {
  sim::test::TempDir dir;
  const std::string fifo = dir.path() + "/fifo.png";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Opening a FIFO for reading blocks until a writer comes; none will: this returns only if the
  // reader never waits.
  CHECK_THROWS_WITH_AS(sim::read_file(fifo), doctest::Contains("fifo.png: is a FIFO (named pipe)"), sim::IoError);
  CHECK_THROWS_WITH_AS(sim::read_prefix(fifo, 8), doctest::Contains("is a FIFO"), sim::IoError);
  CHECK_THROWS_WITH_AS(sim::read_file("/dev/null"), doctest::Contains("is a character device"), sim::IoError);
}

TEST_CASE("read_line: lines as getline gives them, but never longer than the bound") {
  std::istringstream in("one\r\ntwo\n\nlast");
  std::string line;
  std::vector<std::string> lines;
  for (std::size_t n = 1; sim::read_line(in, line, 10, "in", n); ++n) lines.push_back(line);
  CHECK(lines == std::vector<std::string>{"one\r", "two", "", "last"});
  std::istringstream zeros(std::string(100, '\0'));
  CHECK_THROWS_WITH_AS(sim::read_line(zeros, line, 10, "-", 1),
                       doctest::Contains("-: line 1: is longer than 10 bytes (it starts with '\\x00"),
                       sim::FormatError);
}

TEST_CASE("parent_dir and base_name") {
  CHECK(sim::parent_dir("a/b/c.idx") == "a/b");
  CHECK(sim::parent_dir("c.idx") == ".");
  CHECK(sim::parent_dir("/c.idx") == "/");
  CHECK(sim::base_name("a/b/c.idx") == "c.idx");
  CHECK(sim::base_name("c.idx") == "c.idx");
}
