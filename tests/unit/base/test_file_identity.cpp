#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/error.hpp"
#include "base/file_identity.hpp"
#include "fixtures.hpp"
#include "temp_dir.hpp"

TEST_CASE("an output that is an input is refused however it is spelled") {
  sim::test::TempDir dir;
  const std::string in = dir.path() + "/q.h5";
  sim::fixtures::write_bytes(in, "queries");
  REQUIRE(::symlink(in.c_str(), (dir.path() + "/link.h5").c_str()) == 0);
  REQUIRE(::link(in.c_str(), (dir.path() + "/hard.h5").c_str()) == 0);
  for (const std::string& out : {in, dir.path() + "/./q.h5", dir.path() + "/link.h5", dir.path() + "/hard.h5"}) {
    CAPTURE(out);
    CHECK_THROWS_WITH_AS(sim::refuse_overwriting({{in, "-i"}}, {{out, "--json"}}),
                         doctest::Contains(("--json: '" + out + "' is the same file as -i '" + in + "'").c_str()),
                         sim::UsageError);
  }
  sim::refuse_overwriting({{in, "-i"}}, {{dir.path() + "/other.json", "--json"}, {"-", "stdout"}, {"", "none"}});
}

TEST_CASE("two outputs that would be one new file, and a file inside an input folder") {
  sim::test::TempDir dir;
  CHECK_THROWS_WITH_AS(
      sim::refuse_overwriting({}, {{dir.path() + "/new.json", "--json"}, {dir.path() + "/./new.json", "--grid"}}),
      doctest::Contains("is the same file as --json"), sim::UsageError);
  ::mkdir((dir.path() + "/data").c_str(), 0755);
  ::mkdir((dir.path() + "/data/cat").c_str(), 0755);
  sim::fixtures::write_bytes(dir.path() + "/data/cat/1.png", "png");
  CHECK_THROWS_WITH_AS(
      sim::refuse_overwriting({{dir.path() + "/data", "the dataset"}}, {{dir.path() + "/data/cat/1.png", "-o"}}),
      doctest::Contains("is a file inside the dataset"), sim::UsageError);
  // A new file inside a dataset folder replaces nothing: allowed.
  sim::refuse_overwriting({{dir.path() + "/data", "the dataset"}}, {{dir.path() + "/data/model.sim", "-o"}});
}
