// sim-train's loss flags (cli/train_flags.hpp): each sets its option, and LossOptions::validate
// then refuses a flag that belongs to another loss than --loss.
#include <doctest/doctest.h>

#include <string>

#include "base/error.hpp"
#include "cli/data_flags.hpp"
#include "cli/train_flags.hpp"
#include "test_util.hpp"

using sim::Distance;

namespace {

// Parses a command line (without the program name) into `config`.
void parse(sim::LossOptions& config, const std::string& command_line) {
  CLI::App app("test");
  sim::add_flags(app, config);
  app.parse(command_line, /*program_name_included=*/false);
}

std::string usage_field(const sim::LossOptions& config, Distance d = Distance::Cosine) {
  return sim::test::usage_field_of([&] { config.validate(d); });
}

}  // namespace

TEST_CASE("flags set the config, and a flag of another loss is refused") {
  sim::LossOptions config;
  parse(config, "--loss triplet --triplet-mining hard --triplet-margin 0.3");
  CHECK(config.name == "triplet");
  CHECK(config.triplet_mining == "hard");
  CHECK(config.triplet_margin == 0.3);
  CHECK_NOTHROW(config.validate(Distance::Euclidean));

  sim::LossOptions soft;
  parse(soft, "--loss triplet --triplet-soft");
  CHECK(soft.triplet_soft);
  CHECK(soft.given.count("--triplet-soft") == 1);
  CHECK_NOTHROW(soft.validate(Distance::Cosine));

  sim::LossOptions wrong;
  parse(wrong, "--loss triplet --ms-alpha 3");
  try {
    wrong.validate(Distance::Cosine);
    FAIL("expected a UsageError");
  } catch (const sim::UsageError& e) {
    CHECK(e.field() == "--ms-alpha");
    CHECK(std::string(e.what()).find("multi_similarity") != std::string::npos);
  }
  sim::LossOptions wrong_flag;
  parse(wrong_flag, "--pn-soft");  // the default loss is multi_similarity
  CHECK(usage_field(wrong_flag) == "--pn-soft");

  sim::LossOptions both;
  CHECK_THROWS_AS(parse(both, "--loss triplet --triplet-soft --triplet-margin 0.1"), CLI::ExcludesError);
  sim::LossOptions bad_name;
  CHECK_THROWS_AS(parse(bad_name, "--loss lifted"), CLI::ValidationError);
  sim::LossOptions bad_mining;
  CHECK_THROWS_AS(parse(bad_mining, "--loss pn --pn-mining all"), CLI::ValidationError);
}

TEST_CASE("a self-supervised loss without any --aug-* flag augments with its paper's recipe") {
  const auto preset_for = [](const std::string& command_line, sim::AugmentOptions& augment) {
    CLI::App app("test");
    sim::LossOptions loss;
    sim::add_flags(app, loss);
    sim::add_flags(app, augment);
    app.parse(command_line, /*program_name_included=*/false);
    return sim::default_augmentation(app, loss, augment);
  };
  sim::AugmentOptions a;
  CHECK(preset_for("--loss simsiam", a) == "simclr");
  CHECK(a.crop_scale_min == sim::augment_preset("simclr").crop_scale_min);
  CHECK(a.enabled());
  sim::AugmentOptions b;
  CHECK(preset_for("--loss byol", b) == "byol");
  CHECK(b.solarize_prob == sim::augment_preset("byol").solarize_prob);
  sim::AugmentOptions c;  // any augmentation flag: the user's choice stands, even "none"
  CHECK(preset_for("--loss vicreg --aug-preset none", c).empty());
  CHECK_FALSE(c.enabled());
  sim::AugmentOptions d;
  CHECK(preset_for("--loss swav --aug-flip", d).empty());
  CHECK(d.flip);
  CHECK(d.crop_scale_max == sim::AugmentOptions().crop_scale_max);
  sim::AugmentOptions e;  // supervised losses keep augmentation off unless asked
  CHECK(preset_for("--loss triplet", e).empty());
  CHECK_FALSE(e.enabled());
}
