// The cross-batch memory (--xbm-size, CrossBatchMemoryLoss): before its warm-up the inner loss
// alone; after it, the inner loss plus the inner loss of the batch against the rows enqueued by
// earlier steps, those rows written out here by hand; the FIFO's order of overwriting; no gradient
// into the memory; the memory through a checkpoint (the loss's archive, and the optimiser state
// that join_ranks hands a resumed run's other ranks); the wrappers passing the schedule and the
// memory on; the options' refusals.
#include "train/loss_reference.hpp"  // first: it orders LibTorch and doctest (see there)

#include <memory>
#include <string>

#include "base/error.hpp"
#include "test_util.hpp"
#include "train/losses/loss_factory.hpp"
#include "train/losses/loss_implementations.hpp"
#include "train/training_run.hpp"

using sim::Distance;
using namespace sim_test;

namespace {

struct XbmBatch {
  torch::Tensor x, y;
};

// Unit rows of 3 values (seeded), with the given labels.
XbmBatch xbm_batch(std::uint64_t seed, const std::vector<int64_t>& labels) {
  torch::manual_seed(seed);
  return {torch::nn::functional::normalize(torch::randn({int64_t(labels.size()), 3})), labels_of(labels)};
}

std::shared_ptr<sim::MultiSimilarityLoss> xbm_inner() {
  return std::make_shared<sim::MultiSimilarityLoss>(Distance::Cosine, 2.0, 50.0, 0.5, 0.1);
}

torch::Tensor xbm_rows(const std::vector<torch::Tensor>& rows) { return torch::stack(rows); }

std::string xbm_usage_field(const sim::LossOptions& options) {
  return sim::test::usage_field_of([&] { options.validate(Distance::Cosine); });
}

}  // namespace

TEST_CASE("cross-batch memory: the inner loss before the warm-up, plus the memory's term after it") {
  const auto inner = xbm_inner();
  sim::CrossBatchMemoryLoss xbm(inner, 3, 5, /*warmup=*/2);
  const XbmBatch b0 = xbm_batch(1, {0, 0, 1, 1}), b1 = xbm_batch(2, {0, 1, 2}), b2 = xbm_batch(3, {0, 1, 2});

  xbm.begin_step(0, 10, 100);
  CHECK_FALSE(xbm.memory_in_use());
  CHECK(torch::equal(xbm.forward(b0.x, b0.y), inner->forward(b0.x, b0.y)));
  xbm.begin_step(1, 10, 100);  // the memory holds batch 0 now, but the warm-up is not over
  CHECK_FALSE(xbm.memory_in_use());
  CHECK(torch::equal(xbm.forward(b1.x, b1.y), inner->forward(b1.x, b1.y)));

  // 7 rows went into 5 places: batch 0 to places 0-3, batch 1 to 4, 0, 1.
  const torch::Tensor memory = xbm_rows({b1.x[1], b1.x[2], b0.x[2], b0.x[3], b1.x[0]});
  const torch::Tensor memory_labels = labels_of({1, 2, 1, 1, 0});
  CHECK(torch::equal(xbm.memory_embeddings(), memory));
  CHECK(torch::equal(xbm.memory_labels(), memory_labels));

  xbm.begin_step(2, 10, 100);
  CHECK(xbm.memory_in_use());
  const auto x = b2.x.clone().set_requires_grad(true);
  const torch::Tensor value = xbm.forward(x, b2.y);
  const auto by_hand = b2.x.clone().set_requires_grad(true);
  const torch::Tensor want =
      inner->forward(by_hand, b2.y) + inner->forward_references(by_hand, b2.y, memory, memory_labels, false);
  CHECK(value_of(value) == near(value_of(want)));
  CHECK(value_of(value) > value_of(inner->forward(b2.x, b2.y)));  // the memory added pairs

  // No gradient into the memory: its rows are constants, the batch's gradient is the hand-made one.
  value.backward();
  want.backward();
  CHECK(torch::allclose(x.grad(), by_hand.grad(), 1e-5, 1e-7));
  for (const auto& buffer : xbm.buffers()) {
    CHECK_FALSE(buffer.requires_grad());
    CHECK_FALSE(buffer.grad().defined());
  }
  // Batch 2 went to places 2, 3, 4 (the oldest rows), after its own loss was computed.
  CHECK(torch::equal(xbm.memory_embeddings(), xbm_rows({b1.x[1], b1.x[2], b2.x[0], b2.x[1], b2.x[2]})));
}

TEST_CASE("cross-batch memory: FIFO places, and a batch larger than the memory") {
  sim::CrossBatchMemoryLoss xbm(xbm_inner(), 3, 4, 0);
  CHECK(xbm.memory_embeddings().size(0) == 0);
  const XbmBatch first = xbm_batch(4, {0, 1, 2});
  xbm.forward(first.x, first.y);  // places 0, 1, 2; the memory holds 3 rows
  CHECK(torch::equal(xbm.memory_embeddings(), first.x));
  const XbmBatch big = xbm_batch(5, {0, 1, 2, 3, 4, 5});
  xbm.forward(big.x, big.y);  // rows 0-5 as if written one by one from place 3: the last four survive
  CHECK(torch::equal(xbm.memory_embeddings(), xbm_rows({big.x[5], big.x[2], big.x[3], big.x[4]})));
  CHECK(torch::equal(xbm.memory_labels(), labels_of({5, 2, 3, 4})));
  const XbmBatch one = xbm_batch(6, {9});
  xbm.forward(one.x, one.y);  // overwrites the oldest surviving row, big's row 2
  CHECK(torch::equal(xbm.memory_labels(), labels_of({5, 9, 3, 4})));
  CHECK(xbm.rank_shared_buffers()[2].item<int64_t>() == 10);  // rows ever enqueued
}

TEST_CASE("cross-batch memory: the default warm-up is 10% of the run, at most 1,000 steps") {
  CHECK(sim::xbm_warmup_steps(-1, 3000) == 300);
  CHECK(sim::xbm_warmup_steps(-1, 50000) == 1000);
  CHECK(sim::xbm_warmup_steps(-1, 6) == 0);
  CHECK(sim::xbm_warmup_steps(7, 3000) == 7);
  sim::CrossBatchMemoryLoss xbm(xbm_inner(), 3, 4, -1);
  xbm.begin_step(299, 375, 3000);
  CHECK_FALSE(xbm.memory_in_use());
  xbm.begin_step(300, 375, 3000);
  CHECK(xbm.memory_in_use());
}

TEST_CASE("cross-batch memory: a checkpoint carries it, through the optimiser state a resumed run shares") {
  const auto inner = xbm_inner();
  sim::CrossBatchMemoryLoss xbm(inner, 3, 5, 0);
  for (const std::uint64_t seed : {std::uint64_t{7}, std::uint64_t{8}}) {
    const XbmBatch b = xbm_batch(seed, {0, 1, 1});
    xbm.forward(b.x, b.y);
  }
  torch::Tensor weight = torch::zeros({2}, torch::requires_grad());
  torch::optim::SGD optimizer({weight}, torch::optim::SGDOptions(0.1));
  const std::string bytes = sim::save_optimizer_state(optimizer, xbm, 42);

  sim::CrossBatchMemoryLoss resumed(xbm_inner(), 3, 5, 0);
  torch::optim::SGD resumed_optimizer({torch::zeros({2}, torch::requires_grad())}, torch::optim::SGDOptions(0.1));
  CHECK(sim::load_optimizer_state(bytes, resumed_optimizer, resumed) == 42);
  CHECK(torch::equal(resumed.memory_embeddings(), xbm.memory_embeddings()));
  CHECK(torch::equal(resumed.memory_labels(), xbm.memory_labels()));
  const XbmBatch next = xbm_batch(9, {0, 1, 2, 1});
  CHECK(torch::equal(resumed.forward(next.x, next.y), xbm.forward(next.x, next.y)));
  CHECK(torch::equal(resumed.memory_embeddings(), xbm.memory_embeddings()));  // the write position too

  // A checkpoint of another --xbm-size is refused by flag, not used at the wrong size.
  sim::CrossBatchMemoryLoss smaller(xbm_inner(), 3, 4, 0);
  torch::optim::SGD third({torch::zeros({2}, torch::requires_grad())}, torch::optim::SGDOptions(0.1));
  sim::load_optimizer_state(bytes, third, smaller);
  CHECK(sim::test::usage_field_of([&] { smaller.forward(next.x, next.y); }) == "--xbm-size");
}

TEST_CASE("cross-batch memory: wrappers pass the schedule and the shared buffers on; two views fill it twice") {
  const auto xbm = std::make_shared<sim::CrossBatchMemoryLoss>(xbm_inner(), 3, 6, 2);
  const auto buffers = xbm->named_buffers();
  const auto shared = xbm->rank_shared_buffers();
  REQUIRE(shared.size() == 3);
  CHECK(shared[0].is_same(buffers["memory"]));
  CHECK(shared[1].is_same(buffers["memory_labels"]));
  CHECK(shared[2].is_same(buffers["enqueued"]));

  sim::ProjectedLoss projected(xbm, 3, 8);
  CHECK(projected.rank_shared_buffers().size() == 3);
  projected.begin_step(1, 10, 100);
  CHECK_FALSE(xbm->memory_in_use());
  projected.begin_step(2, 10, 100);
  CHECK(xbm->memory_in_use());

  sim::SupervisedWithInstanceLoss both(xbm, std::make_shared<sim::NtXentLoss>(Distance::Cosine, 0.1), 0.5);
  CHECK(both.rank_shared_buffers().size() == 3);
  both.begin_step(0, 10, 100);
  CHECK_FALSE(xbm->memory_in_use());
  const XbmBatch views = xbm_batch(10, {0, 1, 1, 2});  // 2 items, two views each: rows i and i + 2
  both.forward(views.x, labels_of({0, 1}));
  CHECK(torch::equal(xbm->memory_embeddings(), views.x));  // both views, in the batch's order
  CHECK(torch::equal(xbm->memory_labels(), labels_of({0, 1, 0, 1})));
}

TEST_CASE("cross-batch memory: options and the factory") {
  sim::LossOptions options;
  options.xbm_size = 16;
  options.xbm_warmup = 3;
  const auto loss = sim::make_loss(options, Distance::Cosine, 4, 3);
  CHECK(loss->name() == "cross_batch_memory");
  CHECK(loss->supports_references() == false);  // the memory is the reference set: not nested
  CHECK(loss->rank_shared_buffers()[0].sizes() == torch::IntArrayRef{16, 4});
  options.name = "contrastive";
  CHECK_NOTHROW(sim::make_loss(options, Distance::Euclidean, 4, 3));

  for (const char* other : {"triplet", "supcon", "arcface", "ntxent"}) {
    options.name = other;
    try {
      sim::make_loss(options, Distance::Cosine, 4, 3);
      FAIL("expected a UsageError");
    } catch (const sim::UsageError& e) {
      CHECK(e.field() == "--xbm-size");
      CHECK(std::string(e.what()).find("multi_similarity, contrastive") != std::string::npos);
    }
  }
  options.name = "multi_similarity";
  options.xbm_size = -1;
  CHECK(xbm_usage_field(options) == "--xbm-size");
  options.xbm_size = sim::kMaxMemoryRows + 1;
  CHECK(xbm_usage_field(options) == "--xbm-size");
  options.xbm_size = 0;  // a warm-up without a memory
  CHECK(xbm_usage_field(options) == "--xbm-warmup");
  options.xbm_warmup = -1;
  CHECK(xbm_usage_field(options) == "(accepted)");
  CHECK_THROWS_AS(sim::CrossBatchMemoryLoss(std::make_shared<sim::SupConLoss>(Distance::Cosine, 0.1), 4, 8, 0),
                  sim::UsageError);
  CHECK_THROWS_AS(sim::CrossBatchMemoryLoss(xbm_inner(), 4, 0, 0), sim::UsageError);
  // Rows of another width than the memory's.
  sim::CrossBatchMemoryLoss xbm(xbm_inner(), 4, 8, 0);
  CHECK_THROWS_AS(xbm.forward(torch::zeros({2, 3}), labels_of({0, 1})), sim::Error);
}
