// The data side's flags (cli/data_flags.hpp) fill the options libsim reads.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cli/data_flags.hpp"

TEST_CASE("augmentation flags parse into the config") {
  sim::AugmentOptions config;
  CLI::App app;
  sim::add_flags(app, config);
  std::vector<std::string> args = {"--aug-contrast", "0.25", "--aug-brightness", "0.1", "--aug-flip", "--aug-pad", "4"};
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
  app.parse(args);
  CHECK(config.pad == 4);
  CHECK(config.flip);
  CHECK(config.brightness == doctest::Approx(0.1f));
  CHECK(config.contrast == doctest::Approx(0.25f));

  sim::AugmentOptions defaults;
  CLI::App app2;
  sim::add_flags(app2, defaults);
  app2.parse(std::vector<std::string>{});
  CHECK_FALSE(defaults.enabled());

  CLI::App app3;
  sim::AugmentOptions negative;
  sim::add_flags(app3, negative);
  CHECK_THROWS_AS(app3.parse(std::vector<std::string>{"-1", "--aug-pad"}), CLI::ValidationError);
}
