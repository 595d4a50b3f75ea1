// The self-supervised methods (train/losses/loss_self_supervised.hpp): each objective against a
// double-precision loop written from its paper's formula, worked values by hand, the classes against
// their objective on their own heads' outputs, and BYOL's target network and schedule.
#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <cmath>

#include "base/error.hpp"
#include "model/arch.hpp"
#include "train/losses/loss_factory.hpp"
#include "train/losses/loss_self_supervised.hpp"
#include "train/losses/ssl_heads.hpp"

using sim::Distance;
using namespace sim_test;

// Named, not anonymous: a unity build puts the loss tests in one translation unit.
namespace ssl_test {

double cosine(const Row& a, const Row& b) {
  double dot = 0, aa = 0, bb = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    dot += a[k] * b[k];
    aa += a[k] * a[k];
    bb += b[k] * b[k];
  }
  return dot / std::max(std::sqrt(aa) * std::sqrt(bb), 1e-8);
}

double mean_cosine(const Rows& p, const Rows& z) {
  double s = 0;
  for (std::size_t i = 0; i < p.size(); ++i) s += cosine(p[i], z[i]);
  return s / double(p.size());
}

// Column j over the batch: mean and variance (biased or unbiased).
double column_mean(const Rows& z, std::size_t j) {
  double s = 0;
  for (const Row& r : z) s += r[j];
  return s / double(z.size());
}
double column_var(const Rows& z, std::size_t j, bool unbiased) {
  const double m = column_mean(z, j);
  double s = 0;
  for (const Row& r : z) s += (r[j] - m) * (r[j] - m);
  return s / double(z.size() - (unbiased ? 1 : 0));
}

// Zbontar et al. 2021, algorithm 1.
double barlow_reference(const Rows& z1, const Rows& z2, double lambda) {
  const std::size_t n = z1.size(), d = z1[0].size();
  double loss = 0;
  for (std::size_t i = 0; i < d; ++i) {
    for (std::size_t j = 0; j < d; ++j) {
      double c = 0;
      for (std::size_t b = 0; b < n; ++b) {
        c += (z1[b][i] - column_mean(z1, i)) / std::sqrt(column_var(z1, i, false) + 1e-5) *
             (z2[b][j] - column_mean(z2, j)) / std::sqrt(column_var(z2, j, false) + 1e-5);
      }
      c /= double(n);
      loss += i == j ? (1 - c) * (1 - c) : lambda * c * c;
    }
  }
  return loss;
}

// Bardes et al. 2022, algorithm 1.
double vicreg_reference(const Rows& z1, const Rows& z2, double la, double mu, double nu) {
  const std::size_t n = z1.size(), d = z1[0].size();
  double invariance = 0;
  for (std::size_t b = 0; b < n; ++b) {
    for (std::size_t j = 0; j < d; ++j) invariance += (z1[b][j] - z2[b][j]) * (z1[b][j] - z2[b][j]);
  }
  invariance /= double(n * d);
  double variance = 0, covariance = 0;
  for (const Rows* z : {&z1, &z2}) {
    for (std::size_t j = 0; j < d; ++j) variance += std::max(0.0, 1 - std::sqrt(column_var(*z, j, true) + 1e-4));
    for (std::size_t i = 0; i < d; ++i) {
      for (std::size_t j = 0; j < d; ++j) {
        if (i == j) continue;
        double c = 0;
        for (std::size_t b = 0; b < n; ++b) c += ((*z)[b][i] - column_mean(*z, i)) * ((*z)[b][j] - column_mean(*z, j));
        c /= double(n - 1);
        covariance += c * c / double(d);
      }
    }
  }
  variance /= 2.0 * double(d);
  return la * invariance + mu * variance + nu * covariance;
}

// SwAV's distributed_sinkhorn (Caron et al. 2020, its code), in plain exponentials: Q is K x B.
Rows sinkhorn_reference(const Rows& scores, double epsilon, int iterations) {
  const std::size_t b = scores.size(), k = scores[0].size();
  Rows q(k, Row(b));
  double total = 0;
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < b; ++j) total += q[i][j] = std::exp(scores[j][i] / epsilon);
  }
  for (auto& row : q) {
    for (double& v : row) v /= total;
  }
  for (int it = 0; it < iterations; ++it) {
    for (auto& row : q) {  // each prototype's mass to 1/K
      double s = 0;
      for (double v : row) s += v;
      for (double& v : row) v /= s * double(k);
    }
    for (std::size_t j = 0; j < b; ++j) {  // each item's mass to 1/B
      double s = 0;
      for (std::size_t i = 0; i < k; ++i) s += q[i][j];
      for (std::size_t i = 0; i < k; ++i) q[i][j] /= s * double(b);
    }
  }
  Rows out(b, Row(k));
  for (std::size_t j = 0; j < b; ++j) {
    for (std::size_t i = 0; i < k; ++i) out[j][i] = q[i][j] * double(b);
  }
  return out;
}

double swav_reference(const Rows& s1, const Rows& s2, double t, double epsilon, int iterations) {
  const auto cross_entropy = [t](const Rows& q, const Rows& s) {
    double total = 0;
    for (std::size_t b = 0; b < s.size(); ++b) {
      double z = 0;
      for (double v : s[b]) z += std::exp(v / t);
      for (std::size_t k = 0; k < s[b].size(); ++k) total -= q[b][k] * (s[b][k] / t - std::log(z));
    }
    return total / double(s.size());
  };
  return (cross_entropy(sinkhorn_reference(s1, epsilon, iterations), s2) +
          cross_entropy(sinkhorn_reference(s2, epsilon, iterations), s1)) /
         2;
}

torch::Tensor random_rows(int64_t n, int64_t d, bool grad = true) {
  return (torch::randn({n, d}, torch::kFloat64) * 0.7 + 0.2).set_requires_grad(grad);
}

}  // namespace ssl_test

using namespace ssl_test;

TEST_CASE("SimSiam and BYOL objectives: cosines by hand, no gradient into the targets") {
  // p1 = e1 against z2 = e1 (cos 1); p2 = e2 against z1 = (1, 1) (cos 1/sqrt 2).
  const auto p1 = embeddings_of({{1, 0}}), p2 = embeddings_of({{0, 1}});
  const auto z1 = embeddings_of({{1, 1}}), z2 = embeddings_of({{1, 0}});
  const double half = 1 / std::sqrt(2.0);
  CHECK(value_of(sim::simsiam_objective(p1, p2, z1, z2)) == near(-(1 + half) / 2));
  const auto byol = sim::byol_objective(p1, p2, z1, z2);
  CHECK(value_of(byol) == near(2 * (2 - 1 - half)));
  byol.backward();
  CHECK_FALSE(z1.grad().defined());  // the stop-gradient of both papers
  REQUIRE(p2.grad().defined());
  CHECK(p2.grad().abs().sum().item<double>() > 0);

  torch::manual_seed(1);
  const auto a = random_rows(5, 3), b = random_rows(5, 3), c = random_rows(5, 3), d = random_rows(5, 3);
  CHECK(value_of(sim::simsiam_objective(a, b, c, d)) ==
        near(-(mean_cosine(rows_of(a), rows_of(d)) + mean_cosine(rows_of(b), rows_of(c))) / 2));
}

TEST_CASE("Barlow Twins objective: the reference, and 2 lambda for perfectly anti-correlated features") {
  torch::manual_seed(2);
  for (double lambda : {0.0051, 0.5}) {
    const auto z1 = random_rows(6, 4), z2 = random_rows(6, 4);
    const auto value = sim::barlow_twins_objective(z1, z2, lambda);
    CHECK(value_of(value) == near(barlow_reference(rows_of(z1), rows_of(z2), lambda)));
    check_gradients(value, z1);
  }
  // Features (a, -a) in both views: C = [[1, -1], [-1, 1]] up to the 1e-5 of the variance.
  const auto z = embeddings_of({{1, -1}, {-1, 1}, {2, -2}, {-2, 2}});
  const double shrink = 1 / (1 + 1e-5 / 2.5);  // the variance of (1, -1, 2, -2) is 2.5
  CHECK(value_of(sim::barlow_twins_objective(z, z, 0.25)) ==
        near(2 * (1 - shrink) * (1 - shrink) + 0.25 * 2 * shrink * shrink));
}

TEST_CASE("VICReg objective: the reference, and its terms by hand") {
  torch::manual_seed(3);
  const auto z1 = random_rows(7, 3), z2 = random_rows(7, 3);
  const auto value = sim::vicreg_objective(z1, z2, 25, 25, 1);
  CHECK(value_of(value) == near(vicreg_reference(rows_of(z1), rows_of(z2), 25, 25, 1)));
  check_gradients(value, z1);
  // Equal views of two items, (2, 0.5) and (-2, -0.5): invariance 0; unbiased variances 8 and 0.5,
  // so hinges 0 and 1 - sqrt(0.5001), averaged over the 2 features (and the 2 alike views);
  // Cov_01 = Cov_10 = 2: (2^2 + 2^2) / 2 features per view, two views.
  const auto z = embeddings_of({{2, 0.5}, {-2, -0.5}});
  const double variance = (1 - std::sqrt(0.5 + 1e-4)) / 2;
  CHECK(value_of(sim::vicreg_objective(z, z, 1, 0, 0)) == near(0.0));
  CHECK(value_of(sim::vicreg_objective(z, z, 0, 1, 0)) == near(variance));
  CHECK(value_of(sim::vicreg_objective(z, z, 0, 0, 1)) == near(2 * (2 * 2 * 2) / 2.0));
}

TEST_CASE("Sinkhorn-Knopp equipartition: the reference, uniform prototypes, softmax without iterations") {
  torch::manual_seed(4);
  const auto scores = torch::randn({6, 4}, torch::kFloat64) * 0.5;
  const auto q = sim::sinkhorn(scores, 0.05, 3);
  const Rows expected = sinkhorn_reference(rows_of(scores), 0.05, 3);
  const Rows got = rows_of(q);
  for (std::size_t i = 0; i < got.size(); ++i) {
    for (std::size_t k = 0; k < got[i].size(); ++k) CHECK(got[i][k] == near(expected[i][k]));
  }
  // After the final row step every item's codes sum to 1; with many iterations the prototypes
  // share the items equally (B / K each).
  const auto many = sim::sinkhorn(scores, 0.05, 200);
  CHECK(many.sum(1).sub(1).abs().max().item<double>() < 1e-9);
  CHECK(many.sum(0).sub(6.0 / 4).abs().max().item<double>() < 1e-6);
  // Scores of 4 / 0.05 = 80 and more: plain exponentials overflow float, the log-space ones do not.
  CHECK(torch::isfinite(sim::sinkhorn(torch::full({3, 2}, 5.0f), 0.05, 3)).all().item<bool>());
  const auto plain = sim::sinkhorn(scores, 0.5, 0);
  CHECK(plain.sub(torch::softmax(scores / 0.5, 1)).abs().max().item<double>() < 1e-12);
}

TEST_CASE("SwAV objective: the swapped prediction against the reference") {
  torch::manual_seed(5);
  const auto s1 = (torch::rand({5, 7}, torch::kFloat64) * 2 - 1).set_requires_grad(true);
  const auto s2 = (torch::rand({5, 7}, torch::kFloat64) * 2 - 1).set_requires_grad(true);
  const auto value = sim::swav_objective(s1, s2, 0.1, 0.05, 3);
  CHECK(value_of(value) == near(swav_reference(rows_of(s1), rows_of(s2), 0.1, 0.05, 3)));
  check_gradients(value, s1);
}

TEST_CASE("the methods' losses are their objectives on their own heads; the heads learn") {
  torch::manual_seed(6);
  sim::LossOptions options;
  options.head_width = 16;
  const auto x = torch::nn::functional::normalize(torch::randn({8, 4})).set_requires_grad(true);
  const auto first = x.detach().narrow(0, 0, 4), second = x.detach().narrow(0, 4, 4);
  for (const char* name : {"simsiam", "barlow_twins", "vicreg", "swav"}) {
    INFO("loss " << name);
    options.name = name;
    options.swav_prototypes = 10;
    const auto loss = sim::make_loss(options, Distance::Cosine, 4, 0);
    loss->train();
    const auto children = loss->named_children();
    auto projector = children["projector"]->as<torch::nn::Sequential>();
    REQUIRE(projector != nullptr);
    const auto value = loss->forward(x, torch::Tensor());
    torch::Tensor expected;
    {
      torch::NoGradGuard no_grad;
      const auto z1 = projector->forward(first), z2 = projector->forward(second);
      const std::string n = name;
      if (n == "simsiam") {
        auto predictor = children["predictor"]->as<torch::nn::Sequential>();
        expected = sim::simsiam_objective(predictor->forward(z1), predictor->forward(z2), z1, z2);
      } else if (n == "barlow_twins") {
        expected = sim::barlow_twins_objective(z1, z2, 0.0051);
      } else if (n == "vicreg") {
        expected = sim::vicreg_objective(z1, z2, 25, 25, 1);
      } else {
        const auto c = loss->named_parameters()["prototypes"];
        namespace F = torch::nn::functional;
        const auto unit = F::NormalizeFuncOptions().dim(1);
        expected = sim::swav_objective(F::normalize(z1, unit).matmul(c.t()), F::normalize(z2, unit).matmul(c.t()),
                                       0.1, 0.05, 3);
      }
    }
    CHECK(value_of(value) == near(value_of(expected)));
    check_gradients(value, x);
    for (const auto& p : projector->parameters()) {
      REQUIRE(p.grad().defined());
      CHECK(p.grad().abs().sum().item<double>() > 0);
    }
  }
}

TEST_CASE("SwAV's prototypes: unit rows after begin_step, frozen for the first epoch") {
  torch::manual_seed(7);
  sim::SwavLoss loss(Distance::Cosine, 4, 16, 6, 0.1, 0.05, 3, /*freeze_steps=*/0);
  auto prototypes = loss.named_parameters()["prototypes"];
  {
    torch::NoGradGuard no_grad;
    prototypes.mul_(3);
  }
  const auto x = torch::nn::functional::normalize(torch::randn({8, 4})).set_requires_grad(true);
  loss.begin_step(9, /*steps_per_epoch=*/10, 100);  // still the first epoch
  CHECK(prototypes.norm(2, 1).sub(1).abs().max().item<double>() < 1e-6);
  loss.forward(x, torch::Tensor()).backward();
  CHECK_FALSE(prototypes.grad().defined());
  loss.begin_step(10, 10, 100);
  loss.forward(x, torch::Tensor()).backward();
  REQUIRE(prototypes.grad().defined());
  CHECK(prototypes.grad().abs().sum().item<double>() > 0);
}

TEST_CASE("BYOL: the target starts as the online network, follows it by the cosine schedule") {
  torch::manual_seed(8);
  sim::ArchSpec spec;
  spec.arch = "mlp";
  spec.input.image = false;
  spec.input.dim = 5;
  spec.dim = 4;
  spec.mean.assign(5, 0.f);
  spec.std.assign(5, 1.f);
  sim::EmbeddingNet online(spec);
  sim::ByolLoss loss(Distance::Cosine, 4, 16, 0.996, /*predictor=*/true);
  loss.set_online_network(online.ptr());
  REQUIRE(loss.target_network() != nullptr);
  online->train();
  const auto inputs = torch::randn({6, 5});
  CHECK(loss.target_embeddings(inputs).sub(online->forward(inputs)).abs().max().item<double>() < 1e-6);
  CHECK_FALSE(loss.target_embeddings(inputs).requires_grad());

  // tau: 0.996 at the start, 1 - 0.004 / 2 half-way, 1 at the end.
  CHECK(loss.target_momentum(0, 100) == doctest::Approx(0.996));
  CHECK(loss.target_momentum(50, 100) == doctest::Approx(0.998));
  CHECK(loss.target_momentum(100, 100) == doctest::Approx(1.0));

  // Move the online weights by +1: the target moves by (1 - tau).
  const auto target_params = loss.target_network()->parameters();
  const auto before = target_params[0].clone();
  {
    torch::NoGradGuard no_grad;
    online->parameters()[0].add_(1.0);
  }
  loss.update_target(0, 100);
  CHECK(target_params[0].sub(before).sub(0.004).abs().max().item<double>() < 1e-6);
  for (const auto& p : target_params) CHECK_FALSE(p.requires_grad());

  // Only the online side learns; the loss compares the online predictions with the target.
  const auto x = online->forward(torch::cat({inputs, inputs.flip(0)}));
  const auto value = loss.forward_with_target(x, loss.target_embeddings(torch::cat({inputs, inputs.flip(0)})));
  CHECK(std::isfinite(value_of(value)));
  value.backward();
  CHECK(online->parameters()[0].grad().defined());
  CHECK_THROWS_AS(loss.forward(x, torch::Tensor()), sim::Error);
}

TEST_CASE("head sizes: 8 x dim within [256, 8192] unless given; every layer but the last normalised") {
  CHECK(sim::head_width(64, 0) == 512);
  CHECK(sim::head_width(8, 0) == 256);
  CHECK(sim::head_width(4096, 0) == 8192);
  CHECK(sim::head_width(64, 100) == 100);
  auto head = sim::mlp_head({4, 8, 8, 3}, /*last_norm=*/true);
  CHECK(head->size() == 3 * 3 - 2 + 1);  // (linear, norm, relu) x 2, linear, norm
  CHECK(head->forward(torch::randn({5, 4})).sizes() == torch::IntArrayRef{5, 3});
  CHECK_THROWS_AS(sim::mlp_head({4, 0}), sim::UsageError);
}

TEST_CASE("the methods refuse one-row views and odd batches") {
  sim::LossOptions options;
  options.head_width = 8;
  for (const char* name : {"simsiam", "barlow_twins", "vicreg", "swav"}) {
    INFO(name);
    options.name = name;
    const auto loss = sim::make_loss(options, Distance::Cosine, 3, 0);
    CHECK(loss->min_items() == 2);
    try {
      loss->forward(embeddings_of({{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}), torch::Tensor());
      FAIL("expected an Error");
    } catch (const sim::Error& e) {
      CHECK(e.field() == "embeddings");
    }
  }
}
