// LibTorch first: it brings glog, whose CHECK would otherwise replace doctest's (see loss_reference.hpp).
#include <torch/torch.h>
// clang-format off
#include <doctest/doctest.h>
// clang-format on

#include "base/error.hpp"
#include "model/arch.hpp"

namespace {

sim::ArchSpec image_spec(const std::string& arch, int c, int h, int w) {
  sim::ArchSpec spec;
  spec.arch = arch;
  spec.input.channels = c;
  spec.input.height = h;
  spec.input.width = w;
  spec.dim = 16;
  return spec;
}

}  // namespace

TEST_CASE("every architecture maps its input to normalised dim-d embeddings") {
  torch::manual_seed(0);
  for (const char* arch : {"hello", "small_cnn", "resnet"}) {
    CAPTURE(arch);
    sim::EmbeddingNet net(image_spec(arch, 3, 28, 28));
    net->eval();
    const torch::Tensor e = net->forward(torch::rand({5, 3, 28, 28}));
    CHECK(e.sizes() == torch::IntArrayRef({5, 16}));
    CHECK(torch::allclose(e.norm(2, 1), torch::ones({5}), 1e-4, 1e-5));
  }
  sim::ArchSpec vectors;
  vectors.arch = "mlp";
  vectors.input.image = false;
  vectors.input.dim = 10;
  vectors.dim = 8;
  vectors.distance = sim::Distance::InnerProduct;  // keeps the norm
  sim::EmbeddingNet mlp(vectors);
  mlp->eval();
  const torch::Tensor e = mlp->forward(torch::rand({4, 10}));
  CHECK(e.sizes() == torch::IntArrayRef({4, 8}));
  CHECK_FALSE(torch::allclose(e.norm(2, 1), torch::ones({4})));
}

TEST_CASE("auto picks by input") {
  sim::ItemShape grey{true, 1, 28, 28, 0}, colour{true, 3, 32, 32, 0}, big{true, 1, 128, 128, 0},
      vec{false, 0, 0, 0, 5};
  CHECK(sim::ArchSpec::auto_arch(grey) == "small_cnn");
  CHECK(sim::ArchSpec::auto_arch(colour) == "resnet");
  CHECK(sim::ArchSpec::auto_arch(big) == "resnet");
  CHECK(sim::ArchSpec::auto_arch(vec) == "mlp");
}

TEST_CASE("impossible architectures are usage errors") {
  auto spec = image_spec("small_cnn", 1, 28, 28);
  spec.dim = 0;
  CHECK_THROWS_WITH_AS(sim::EmbeddingNet{spec}, doctest::Contains("--dim"), sim::UsageError);
  CHECK_THROWS_AS(sim::EmbeddingNet(image_spec("small_cnn", 1, 4, 4)), sim::UsageError);
  CHECK_THROWS_AS(sim::EmbeddingNet(image_spec("nonsense", 1, 28, 28)), sim::UsageError);
  sim::ArchSpec vectors;
  vectors.arch = "small_cnn";
  vectors.input.image = false;
  vectors.input.dim = 4;
  CHECK_THROWS_WITH_AS(sim::EmbeddingNet{vectors}, doctest::Contains("reads images"), sim::UsageError);
}

TEST_CASE("preprocessing is applied inside the network") {
  // With mean 0.5 and std 0.25 stored, an input of 0.5 everywhere is the network's zero input.
  auto spec = image_spec("small_cnn", 1, 16, 16);
  spec.mean = {0.5f};
  spec.std = {0.25f};
  torch::manual_seed(1);
  sim::EmbeddingNet shifted(spec);
  spec.mean = {0.0f};
  spec.std = {1.0f};
  torch::manual_seed(1);
  sim::EmbeddingNet plain(spec);
  shifted->eval();
  plain->eval();
  CHECK(torch::allclose(shifted->forward(torch::full({2, 1, 16, 16}, 0.5)),
                        plain->forward(torch::zeros({2, 1, 16, 16})), 1e-5, 1e-6));
}

TEST_CASE("optimize_for_inference changes outputs only by rounding") {
  for (const char* arch : {"small_cnn", "hello", "resnet"}) {
    CAPTURE(arch);
    torch::manual_seed(5);
    sim::EmbeddingNet net(image_spec(arch, 1, 20, 20));
    // Train a few steps so batch-norm statistics are not the trivial initial ones.
    net->train();
    torch::optim::SGD sgd(net->parameters(), 0.01);
    for (int step = 0; step < 3; ++step) {
      sgd.zero_grad();
      net->forward(torch::rand({8, 1, 20, 20})).sum().backward();
      sgd.step();
    }
    net->eval();
    const torch::Tensor x = torch::rand({6, 1, 20, 20});
    const torch::Tensor before = net->forward(x).clone();
    net->optimize_for_inference();
    CHECK((net->forward(x) - before).abs().max().item<float>() < 1e-4f);
  }
}
