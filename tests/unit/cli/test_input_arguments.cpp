// input_arguments is what sim-query -m hands to sim-embed: parsed back, it must give the
// options the user gave sim-query, or sim-embed would embed other items than were asked for.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli/data_flags.hpp"

namespace {

sim::InputOptions parse(std::vector<std::string> args) {
  sim::InputOptions options;
  CLI::App app;
  sim::add_flags(app, options);
  std::reverse(args.begin(), args.end());  // CLI11 parses a vector from its back
  app.parse(args);
  return options;
}

void check_round_trip(const std::vector<std::string>& args) {
  const sim::InputOptions given = parse(args);
  const sim::InputOptions passed_on = parse(sim::input_arguments(given));
  CHECK(passed_on.dataset.skip_bad == given.dataset.skip_bad);
  CHECK(passed_on.dataset.label_column == given.dataset.label_column);
  CHECK(passed_on.dataset.id_column == given.dataset.id_column);
  CHECK(passed_on.dataset.cache_mib == given.dataset.cache_mib);
  CHECK(passed_on.split == given.split);
  CHECK(passed_on.classes == given.classes);
  CHECK(passed_on.per_class == given.per_class);
}

}  // namespace

TEST_CASE("input options survive being handed on to sim-embed") {
  check_round_trip({});
  check_round_trip({"--skip-bad", "--split", "test", "--per-class", "3"});
  check_round_trip({"--classes", "circle,square", "--classes", "triangle"});
  check_round_trip({"--label-column", "-odd", "--id-column", "name=x", "--cache-mib", "0"});
  const sim::InputOptions options = parse({"--classes", "a,b", "--split", "-x"});
  CHECK(options.classes == std::vector<std::string>{"a", "b"});
  CHECK(options.split == "-x");
}
