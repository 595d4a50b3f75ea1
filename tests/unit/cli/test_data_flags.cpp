// The data side's flags (cli/data_flags.hpp) fill the options libsim reads.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/error.hpp"
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

namespace {

// Parses `args` (in order) into a fresh AugmentOptions.
sim::AugmentOptions parse_augment(std::vector<std::string> args) {
  sim::AugmentOptions config;
  CLI::App app;
  sim::add_flags(app, config);
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector in reverse order
  app.parse(args);
  return config;
}

// The field of the sim::UsageError (or "CLI11: ..." for CLI11's own error) that `args` raise.
std::string augment_error(const std::vector<std::string>& args) {
  try {
    parse_augment(args);
  } catch (const sim::UsageError& e) {
    return e.field();
  } catch (const CLI::Error& e) {
    return std::string("CLI11: ") + e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("the crop, jitter, grey, blur and solarisation flags parse into the config") {
  const sim::AugmentOptions c =
      parse_augment({"--aug-crop-scale",    "0.3,0.9", "--aug-crop-ratio", "0.5,2",   "--aug-jitter-prob",   "0.7",
                     "--aug-saturation",    "0.6",     "--aug-hue",        "0.25",    "--aug-grey-prob",     "0.1",
                     "--aug-blur-prob",     "0.4",     "--aug-blur-sigma", "0.5,1.5", "--aug-blur-min-size", "24",
                     "--aug-solarize-prob", "0.3"});
  CHECK(c.crop_scale_min == 0.3f);
  CHECK(c.crop_scale_max == 0.9f);
  CHECK(c.crop_ratio_min == 0.5f);
  CHECK(c.crop_ratio_max == 2.f);
  CHECK(c.jitter_prob == 0.7f);
  CHECK(c.saturation == 0.6f);
  CHECK(c.hue == 0.25f);
  CHECK(c.grey_prob == 0.1f);
  CHECK(c.blur_prob == 0.4f);
  CHECK(c.blur_sigma_min == 0.5f);
  CHECK(c.blur_sigma_max == 1.5f);
  CHECK(c.blur_min_size == 24);
  CHECK(c.solarize_prob == 0.3f);

  const sim::AugmentOptions defaults = parse_augment({});
  CHECK_FALSE(defaults.crop());
  CHECK(defaults.crop_ratio_min == 0.75f);
  CHECK(defaults.crop_ratio_max == doctest::Approx(4.0 / 3.0));
  CHECK(defaults.jitter_prob == 1.f);  // old flags alone jitter every image, as before
  CHECK(defaults.blur_sigma_min == 0.1f);
  CHECK(defaults.blur_sigma_max == 2.f);
}

TEST_CASE("--aug-preset gives a recipe, and flags given with it override it in any order") {
  const sim::AugmentOptions simclr = parse_augment({"--aug-preset", "simclr"});
  const sim::AugmentOptions expected = sim::augment_preset("simclr");
  CHECK(simclr.crop_scale_min == expected.crop_scale_min);
  CHECK(simclr.flip);
  CHECK(simclr.jitter_prob == 0.8f);
  CHECK(simclr.saturation == 0.4f);
  CHECK(simclr.blur_min_size == 32);

  for (const bool preset_first : {true, false}) {
    std::vector<std::string> args = {"--aug-blur-prob", "0", "--aug-crop-scale", "0.5,1", "--aug-hue", "0"};
    const std::vector<std::string> preset = {"--aug-preset", "byol"};
    args.insert(preset_first ? args.begin() : args.end(), preset.begin(), preset.end());
    const sim::AugmentOptions byol = parse_augment(args);
    CHECK(byol.blur_prob == 0.f);
    CHECK(byol.crop_scale_min == 0.5f);
    CHECK(byol.hue == 0.f);
    CHECK(byol.saturation == 0.2f);  // the preset's, not given
    CHECK(byol.solarize_prob == 0.1f);
  }
  // Off again after a preset: the crop with "off", the flip with "=false".
  const sim::AugmentOptions plain =
      parse_augment({"--aug-preset", "simclr", "--aug-crop-scale", "off", "--aug-flip=false"});
  CHECK_FALSE(plain.crop());
  CHECK_FALSE(plain.flip);
  CHECK_FALSE(parse_augment({"--aug-preset", "none"}).enabled());
}

TEST_CASE("--aug-preset overrides none of the --aug-* flags when every one is given") {
  // A flag missing from --aug-preset's list would take the preset's value here.
  CLI::App app;
  sim::AugmentOptions counted;
  sim::add_flags(app, counted);
  std::size_t flags = 0;
  for (const CLI::Option* option : app.get_options()) flags += option->get_name().rfind("--aug-", 0) == 0;
  CHECK(flags == 15);  // the 14 below and --aug-preset: a new flag belongs in both lists
  const sim::AugmentOptions c = parse_augment({"--aug-preset",
                                               "byol",
                                               "--aug-crop-scale",
                                               "0.3,0.9",
                                               "--aug-crop-ratio",
                                               "0.5,2",
                                               "--aug-pad",
                                               "3",
                                               "--aug-flip=false",
                                               "--aug-jitter-prob",
                                               "0.7",
                                               "--aug-brightness",
                                               "0.05",
                                               "--aug-contrast",
                                               "0.06",
                                               "--aug-saturation",
                                               "0.07",
                                               "--aug-hue",
                                               "0.08",
                                               "--aug-grey-prob",
                                               "0.09",
                                               "--aug-blur-prob",
                                               "0.11",
                                               "--aug-blur-sigma",
                                               "0.5,1.5",
                                               "--aug-blur-min-size",
                                               "24",
                                               "--aug-solarize-prob",
                                               "0.12"});
  CHECK(c.crop_scale_min == 0.3f);
  CHECK(c.crop_ratio_min == 0.5f);
  CHECK(c.pad == 3);
  CHECK_FALSE(c.flip);
  CHECK(c.jitter_prob == 0.7f);
  CHECK(c.brightness == 0.05f);
  CHECK(c.contrast == 0.06f);
  CHECK(c.saturation == 0.07f);
  CHECK(c.hue == 0.08f);
  CHECK(c.grey_prob == 0.09f);
  CHECK(c.blur_prob == 0.11f);
  CHECK(c.blur_sigma_min == 0.5f);
  CHECK(c.blur_min_size == 24);
  CHECK(c.solarize_prob == 0.12f);
}

TEST_CASE("bad values of the crop, jitter, grey, blur and solarisation flags are refused, naming the flag") {
  CHECK(augment_error({"--aug-crop-scale", "0,1"}) == "--aug-crop-scale");
  CHECK(augment_error({"--aug-crop-scale", "0.8,0.5"}) == "--aug-crop-scale");
  CHECK(augment_error({"--aug-crop-scale", "0.5,1.2"}) == "--aug-crop-scale");
  CHECK(augment_error({"--aug-crop-scale", "0.5"}) == "--aug-crop-scale");
  CHECK(augment_error({"--aug-crop-scale", "nan,1"}) == "--aug-crop-scale");
  CHECK(augment_error({"--aug-crop-scale", "0.5,1x"}) == "--aug-crop-scale");
  CHECK(augment_error({"--aug-crop-ratio", "2,1"}) == "--aug-crop-ratio");
  CHECK(augment_error({"--aug-crop-ratio", "-1,1"}) == "--aug-crop-ratio");
  CHECK(augment_error({"--aug-crop-ratio", "off"}) == "--aug-crop-ratio");  // only the crop's scale turns it off
  CHECK(augment_error({"--aug-blur-sigma", "0,1"}) == "--aug-blur-sigma");
  CHECK(augment_error({"--aug-blur-sigma", "inf,inf"}) == "--aug-blur-sigma");
  for (const char* flag : {"--aug-jitter-prob", "--aug-grey-prob", "--aug-blur-prob", "--aug-solarize-prob"}) {
    CHECK(augment_error({flag, "1.5"}).find(flag) != std::string::npos);
    CHECK(augment_error({flag, "-0.1"}).find(flag) != std::string::npos);
    CHECK(augment_error({flag, "nan"}).find(flag) != std::string::npos);
  }
  CHECK(augment_error({"--aug-hue", "0.6"}).find("--aug-hue") != std::string::npos);
  CHECK(augment_error({"--aug-saturation", "-1"}).find("--aug-saturation") != std::string::npos);
  CHECK(augment_error({"--aug-blur-min-size", "-1"}).find("--aug-blur-min-size") != std::string::npos);
  CHECK(augment_error({"--aug-preset", "moco"}).find("--aug-preset") != std::string::npos);
  CHECK(augment_error({"--aug-preset", "simclr", "--aug-crop-scale", "0.9,0.1"}) == "--aug-crop-scale");
}
