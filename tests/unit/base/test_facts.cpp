#include <doctest/doctest.h>

#include "base/facts.hpp"

TEST_CASE("facts print as key: value lines in order") {
  sim::Facts f;
  f.add("format", "sim-index version 1");
  f.add("count", std::size_t(20));
  f.add_json("provenance", R"({"program":"sim-index"})");
  CHECK(sim::format_facts(f) == "format: sim-index version 1\ncount: 20\nprovenance: {\"program\":\"sim-index\"}\n");
}

TEST_CASE("facts as JSON: numbers, embedded JSON, lists, repeated keys, valid UTF-8") {
  sim::Facts first;
  first.add("file", "a.idx");
  sim::Facts f;
  f.add("count", std::size_t(20));
  f.add("fingerprint", "0123");  // text that looks like a number stays text
  f.add_json("provenance", R"({"program":"sim-index"})");
  f.add_json("broken", "{not json");  // kept as text rather than lost
  f.add_json_item("history", R"({"n":1})");
  f.add("class", "a");
  f.add("class", "b");
  f.add("name", "caf\xe9");  // Latin-1, not UTF-8
  CHECK(sim::facts_json(first, f) ==
        R"({"file":"a.idx","count":20,"fingerprint":"0123","provenance":{"program":"sim-index"},)"
        R"("broken":"{not json","history":[{"n":1}],"class":["a","b"],"name":"caf)"
        "\xef\xbf\xbd"
        R"("})");
}

TEST_CASE("a long list of names is cut after the first few") {
  CHECK(sim::count_and_names({}) == "0");
  CHECK(sim::count_and_names({"ant", "bee"}) == "2 (ant, bee)");
  CHECK(sim::count_and_names({"a", "b", "c", "d"}, 2) == "4 (a, b, ... and 2 more)");
}
