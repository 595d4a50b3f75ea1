// The losses that wrap another: the training-only projector (--projector: the inner loss sees
// g(embeddings) with g = Linear -> ReLU -> Linear, computed here from g's own weights; gradients
// reach g and the embeddings; g is the loss's parameters, and the views follow the inner loss), and
// the instance term (--ssl-weight: the supervised loss on both views plus w x NT-Xent).
#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include "base/error.hpp"
#include "train/losses/loss_factory.hpp"
#include "train/losses/loss_implementations.hpp"

using sim::Distance;
using namespace sim_test;

TEST_CASE("projected loss: the inner loss of the projected embeddings, gradients to the projector") {
  torch::manual_seed(3);
  sim::LossOptions options;
  options.projector = 16;
  const auto loss = sim::make_loss(options, Distance::Cosine, 3, 3);  // the test points are 3-d
  REQUIRE(loss->has_parameters());
  const auto params = loss->named_parameters();
  REQUIRE(params.size() == 4);  // two layers, weight and bias each
  const torch::Tensor w1 = params["projector.0.weight"], b1 = params["projector.0.bias"];
  const torch::Tensor w2 = params["projector.2.weight"], b2 = params["projector.2.bias"];
  CHECK(w1.sizes() == torch::IntArrayRef{16, 3});
  CHECK(w2.sizes() == torch::IntArrayRef{3, 16});

  const auto x = embeddings_of({kPoints[0], kPoints[1], kPoints[2], kPoints[3], kPoints[4], kPoints[5]});
  const auto labels = torch::tensor({0, 0, 1, 1, 2, 2}, torch::kInt64);
  const torch::Tensor value = loss->forward(x, labels);
  sim::MultiSimilarityLoss plain(Distance::Cosine, 2.0, 50.0, 0.5, 0.1);
  torch::Tensor projected;
  {
    torch::NoGradGuard no_grad;
    projected = torch::relu(x.detach().matmul(w1.t()) + b1).matmul(w2.t()) + b2;
  }
  CHECK(value_of(value) == near(value_of(plain.forward(projected, labels))));
  check_gradients(value, x);
  for (const auto& p : loss->parameters()) {
    REQUIRE(p.grad().defined());
    CHECK(p.grad().abs().sum().item<double>() > 0);
  }
}

TEST_CASE("projected loss: two views when the inner loss takes them; sizes refused") {
  sim::LossOptions options;
  options.name = "ntxent";
  options.projector = 8;
  CHECK(sim::make_loss(options, Distance::Cosine, 4, 0)->needs_two_views());
  options.name = "multi_similarity";
  CHECK(!sim::make_loss(options, Distance::Cosine, 4, 3)->needs_two_views());
  CHECK_THROWS_AS(sim::ProjectedLoss(std::make_shared<sim::NtXentLoss>(Distance::Cosine, 0.5), 0, 8), sim::UsageError);
}

TEST_CASE("supervised loss with an instance term: L_sup(both views) + w x NT-Xent, two views") {
  sim::LossOptions options;
  options.ssl_weight = 0.7;
  options.ssl_temperature = 0.2;
  const auto loss = sim::make_loss(options, Distance::Cosine, 3, 2);
  CHECK(loss->needs_two_views());
  const auto x = embeddings_of({kPoints[0], kPoints[1], kPoints[2], kPoints[3], kPoints[4], kPoints[5]});
  const auto labels = torch::tensor({0, 1, 1}, torch::kInt64);
  const torch::Tensor value = loss->forward(x, labels);
  sim::MultiSimilarityLoss supervised(Distance::Cosine, 2.0, 50.0, 0.5, 0.1);
  sim::NtXentLoss instance(Distance::Cosine, 0.2);
  const auto plain = x.detach();
  const double want = value_of(supervised.forward(plain, torch::tensor({0, 1, 1, 0, 1, 1}, torch::kInt64))) +
                      0.7 * value_of(instance.forward(plain, labels));
  CHECK(value_of(value) == near(want));
  check_gradients(value, x);
  CHECK_THROWS_AS(loss->forward(x, torch::tensor({0, 1}, torch::kInt64)), sim::Error);  // not 2 x 2 rows
  options.name = "ntxent";  // an instance term beside a self-supervised loss is refused
  CHECK_THROWS_AS(sim::make_loss(options, Distance::Cosine, 3, 0), sim::UsageError);
}

TEST_CASE("--ssl-projector: the instance term alone sees the embeddings through a training-only MLP") {
  sim::LossOptions options;
  options.ssl_weight = 0.5;
  options.ssl_projector = 5;
  const auto loss = sim::make_loss(options, Distance::Cosine, 3, 2);
  CHECK(loss->needs_two_views());
  CHECK(loss->has_parameters());          // the projector is optimised and checkpointed like proxies
  CHECK(loss->parameters().size() == 4);  // two linear layers: weights and biases
  const auto x = embeddings_of({kPoints[0], kPoints[1], kPoints[2], kPoints[3], kPoints[4], kPoints[5]});
  const auto labels = torch::tensor({0, 1, 1}, torch::kInt64);
  // The same projector in front of NT-Xent, by hand: L_sup(x) + w x NT-Xent(g(x)).
  torch::NoGradGuard no_grad;
  const auto p = loss->parameters();  // supervised (none), then g: Linear(3, 5), Linear(5, 3)
  const torch::Tensor g = torch::linear(torch::relu(torch::linear(x, p[0], p[1])), p[2], p[3]);
  sim::MultiSimilarityLoss supervised(Distance::Cosine, 2.0, 50.0, 0.5, 0.1);
  sim::NtXentLoss instance(Distance::Cosine, 0.1);
  const double want = value_of(supervised.forward(x, torch::tensor({0, 1, 1, 0, 1, 1}, torch::kInt64))) +
                      0.5 * value_of(instance.forward(g, labels));
  CHECK(value_of(loss->forward(x, labels)) == near(want));
  options.ssl_weight = 0;
  CHECK_THROWS_AS(sim::make_loss(options, Distance::Cosine, 3, 2), sim::UsageError);
}
