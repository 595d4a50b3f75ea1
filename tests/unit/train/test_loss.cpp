#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "test_util.hpp"
#include "train/losses/loss_factory.hpp"

using sim::Distance;

namespace {

std::string usage_field(const sim::LossOptions& config, Distance d = Distance::Cosine) {
  return sim::test::usage_field_of([&] { config.validate(d); });
}

}  // namespace

TEST_CASE("loss defaults are the published ones") {
  const sim::LossOptions c;
  CHECK(c.name == "multi_similarity");
  CHECK(c.ms_alpha == 2.0);
  CHECK(c.ms_beta == 50.0);
  CHECK(c.ms_base == 0.5);
  CHECK(c.ms_epsilon == 0.1);
  CHECK(c.triplet_margin == 0.2);
  CHECK(c.triplet_mining == "semi-hard");
  CHECK_FALSE(c.triplet_soft);
  CHECK(c.pn_margin == 1.0);
  CHECK(c.circle_m == 0.4);
  CHECK(c.circle_gamma == 80.0);
  CHECK(c.snn_temperature == 1.0);
  CHECK(c.contrastive_pos_margin == 0.0);
  CHECK(c.contrastive_neg_margin == 1.0);
  CHECK(c.arcface_margin == 0.5);
  CHECK(c.arcface_scale == 64.0);
  CHECK(c.cosface_margin == 0.35);
  CHECK(c.cosface_scale == 64.0);
  CHECK(c.ntxent_temperature == 0.5);
  CHECK_NOTHROW(c.validate(Distance::Cosine));
}

TEST_CASE("every loss builds, runs and trains on a batch with its accepted distances") {
  torch::manual_seed(11);
  const auto labels = torch::tensor({0, 0, 1, 1, 2, 2, 0, 1}, torch::kLong);
  for (const std::string& name : sim::loss_names()) {
    for (Distance d : sim::all_distances()) {
      INFO("loss " << name << ", distance " << sim::to_string(d));
      sim::LossOptions config;
      config.name = name;
      if (!sim::loss_accepts(name, d)) {
        try {
          sim::make_loss(config, d, 4, 3);
          FAIL("expected a UsageError");
        } catch (const sim::UsageError& e) {
          CHECK(e.field() == "--distance");
        }
        continue;
      }
      const auto loss = sim::make_loss(config, d, 4, 3);
      CHECK(loss->name() == name);
      CHECK(loss->distance() == d);
      const bool self_supervised = sim::loss_is_self_supervised(name);
      CHECK(loss->needs_two_views() == self_supervised);
      CHECK(loss->has_parameters() == (name == "arcface" || name == "cosface" || name == "proxy_anchor" ||
                                       (self_supervised && name != "ntxent")));
      CHECK(loss->parameters().empty() == !loss->has_parameters());
      CHECK(loss->min_items() == (self_supervised && name != "ntxent" ? 2 : 1));
      auto x = torch::nn::functional::normalize(torch::randn({8, 4})).set_requires_grad(true);
      // BYOL compares with its target network's embeddings: here, fixed ones.
      const auto value = loss->needs_target_network()
                             ? loss->forward_with_target(x, torch::nn::functional::normalize(torch::randn({8, 4})))
                             : loss->forward(x, labels);
      CHECK(std::isfinite(value.item<double>()));
      sim_test::check_gradients(value, x);
    }
  }
  CHECK(sim::loss_accepts("circle", Distance::Cosine));
  CHECK_FALSE(sim::loss_accepts("arcface", Distance::Euclidean));
  CHECK_FALSE(sim::loss_accepts("nonsense", Distance::Cosine));
}

TEST_CASE("an unknown loss is a usage error listing the names") {
  sim::LossOptions config;
  config.name = "lifted";
  try {
    sim::make_loss(config, Distance::Cosine, 4, 3);
    FAIL("expected a UsageError");
  } catch (const sim::UsageError& e) {
    CHECK(e.field() == "--loss");
    const std::string message = e.what();
    for (const std::string& name : sim::loss_names()) CHECK(message.find(name) != std::string::npos);
  }
}

TEST_CASE("values out of range are usage errors naming the flag") {
  const auto field_for = [](auto set) {
    sim::LossOptions c;
    set(c);
    return usage_field(c);
  };
  CHECK(field_for([](sim::LossOptions& c) { c.ms_alpha = 0; }) == "--ms-alpha");
  CHECK(field_for([](sim::LossOptions& c) { c.ms_beta = -1; }) == "--ms-beta");
  CHECK(field_for([](sim::LossOptions& c) { c.ms_epsilon = -0.1; }) == "--ms-epsilon");
  CHECK(field_for([](sim::LossOptions& c) { c.ms_base = std::nan(""); }) == "--ms-base");
  CHECK(field_for([](sim::LossOptions& c) { c.triplet_margin = -0.2; }) == "--triplet-margin");
  CHECK(field_for([](sim::LossOptions& c) { c.triplet_mining = "hardest"; }) == "--triplet-mining");
  CHECK(field_for([](sim::LossOptions& c) { c.pn_mining = "all"; }) == "--pn-mining");
  CHECK(field_for([](sim::LossOptions& c) { c.circle_m = 1.0; }) == "--circle-m");
  CHECK(field_for([](sim::LossOptions& c) { c.circle_gamma = 0; }) == "--circle-gamma");
  CHECK(field_for([](sim::LossOptions& c) { c.snn_temperature = 0; }) == "--snn-temperature");
  CHECK(field_for([](sim::LossOptions& c) { c.contrastive_pos_margin = 1.0; }) == "--contrastive-pos-margin");
  CHECK(field_for([](sim::LossOptions& c) { c.arcface_margin = 2.0; }) == "--arcface-margin");
  CHECK(field_for([](sim::LossOptions& c) { c.arcface_scale = 0; }) == "--arcface-scale");
  CHECK(field_for([](sim::LossOptions& c) { c.cosface_margin = -0.1; }) == "--cosface-margin");
  CHECK(field_for([](sim::LossOptions& c) { c.cosface_scale = -64; }) == "--cosface-scale");
  CHECK(field_for([](sim::LossOptions& c) { c.ntxent_temperature = 0; }) == "--ntxent-temperature");
  CHECK(field_for([](sim::LossOptions& c) { c.supcon_temperature = 0; }) == "--supcon-temperature");
  CHECK(field_for([](sim::LossOptions& c) { c.proxy_anchor_delta = 1; }) == "--proxy-anchor-delta");
  CHECK(field_for([](sim::LossOptions& c) { c.byol_momentum = 1; }) == "--byol-momentum");
  CHECK(field_for([](sim::LossOptions& c) { c.swav_prototypes = 1; }) == "--swav-prototypes");
  CHECK(field_for([](sim::LossOptions& c) { c.swav_epsilon = 0; }) == "--swav-epsilon");
  CHECK(field_for([](sim::LossOptions& c) { c.vicreg_variance = -1; }) == "--vicreg-variance");
  CHECK(field_for([](sim::LossOptions& c) { c.head_width = -1; }) == "--head-width");
  // --head-width sizes the heads of the methods that have them, and the instance term is for
  // supervised losses only.
  CHECK(field_for([](sim::LossOptions& c) { c.given.insert("--head-width"); }) == "--head-width");
  CHECK(field_for([](sim::LossOptions& c) {
          c.name = "vicreg";
          c.given.insert("--head-width");
          c.given.insert("--vicreg-variance");
        }) == "(accepted)");
  CHECK(field_for([](sim::LossOptions& c) {
          c.name = "simsiam";
          c.ssl_weight = 0.1;
        }) == "--ssl-weight");
  CHECK(field_for([](sim::LossOptions& c) {
          c.name = "byol";
          c.projector = 64;
        }) == "--projector");
  CHECK(field_for([](sim::LossOptions& c) {
          c.name = "ntxent";
          c.projector = 64;  // SimCLR's own head
        }) == "(accepted)");
}

TEST_CASE("proxy losses need classes and a dimension") {
  sim::LossOptions config;
  config.name = "arcface";
  CHECK_THROWS_AS(sim::make_loss(config, Distance::Cosine, 4, 0), sim::UsageError);
  CHECK_THROWS_AS(sim::make_loss(config, Distance::Cosine, 0, 3), sim::UsageError);
  const auto loss = sim::make_loss(config, Distance::Cosine, 4, 3);
  REQUIRE(loss->parameters().size() == 1);
  CHECK(loss->parameters()[0].sizes() == (std::vector<int64_t>{3, 4}));
  CHECK(loss->parameters()[0].requires_grad());
}

TEST_CASE("angular losses refuse other distances") {
  for (const char* name : {"circle", "arcface", "cosface"}) {
    sim::LossOptions config;
    config.name = name;
    CHECK(usage_field(config, Distance::Euclidean) == "--distance");
    CHECK(usage_field(config, Distance::InnerProduct) == "--distance");
    CHECK(usage_field(config, Distance::Cosine) == "(accepted)");
  }
}
