#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/repeats.hpp"

TEST_CASE("find_repeat finds a repeated string, or none") {
  CHECK(sim::find_repeat({}) == nullptr);
  CHECK(sim::find_repeat({"a"}) == nullptr);
  CHECK(sim::find_repeat({"a", "b", "ab", ""}) == nullptr);

  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back("id-" + std::to_string(i));
  CHECK(sim::find_repeat(ids) == nullptr);
  ids[4321] = "id-17";
  const std::string* repeat = sim::find_repeat(ids);
  REQUIRE(repeat != nullptr);
  CHECK(*repeat == "id-17");

  const std::vector<std::string> all_same(10000, "same");  // one run of equal hashes: still fast
  REQUIRE(sim::find_repeat(all_same) != nullptr);
  CHECK(*sim::find_repeat(all_same) == "same");
  CHECK(*sim::find_repeat({"", "x", ""}) == "");
}

TEST_CASE("find_repeat over many strings (its radix sort): the first and the last, or none") {
  std::vector<std::string> ids;
  for (int i = 0; i < 100000; ++i) ids.push_back("item/" + std::to_string(i * 7919));
  CHECK(sim::find_repeat(ids) == nullptr);
  ids.back() = ids.front();
  const std::string* repeat = sim::find_repeat(ids);
  REQUIRE(repeat != nullptr);
  CHECK(*repeat == "item/0");
  CHECK((repeat == &ids.front() || repeat == &ids.back()));
}
