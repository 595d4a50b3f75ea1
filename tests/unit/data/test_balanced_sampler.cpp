#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "data/balanced_sampler.hpp"

using Batch = std::vector<std::size_t>;
using Labels = std::vector<std::int64_t>;

namespace {

// Class c has sizes[c] items; classes are interleaved, with a few unlabelled (-1) items among them.
Labels make_labels(const std::vector<int>& sizes) {
  Labels labels;
  for (int round = 0;; ++round) {
    bool any = false;
    for (std::size_t c = 0; c < sizes.size(); ++c) {
      if (round < sizes[c]) {
        labels.push_back(std::int64_t(c));
        any = true;
      }
    }
    if (!any) break;
    if (round % 3 == 0) labels.push_back(-1);
  }
  return labels;
}

std::vector<Batch> take(sim::BalancedSampler& sampler, int n) {
  std::vector<Batch> batches;
  for (int i = 0; i < n; ++i) batches.push_back(sampler.next());
  return batches;
}

}  // namespace

TEST_CASE("every batch has P distinct classes with K distinct items each") {
  const Labels labels = make_labels({12, 7, 30, 5, 9, 16, 5, 8});
  const int p = 3, k = 5;
  sim::BalancedSampler sampler(labels, p, k, 11);
  CHECK(sampler.batch_size() == 15);
  CHECK(sampler.num_classes() == 8);
  CHECK(sampler.small_classes().empty());
  for (const Batch& batch : take(sampler, 300)) {
    REQUIRE(batch.size() == 15);
    std::set<std::int64_t> classes;
    for (int i = 0; i < p; ++i) {
      const std::int64_t label = labels[batch[std::size_t(i * k)]];
      CHECK(label >= 0);
      classes.insert(label);
      std::set<std::size_t> items;
      for (int j = 0; j < k; ++j) {
        const std::size_t item = batch[std::size_t(i * k + j)];
        CHECK(labels[item] == label);  // grouped by class; never an unlabelled item
        items.insert(item);
      }
      CHECK(items.size() == std::size_t(k));
    }
    CHECK(classes.size() == std::size_t(p));
  }
}

TEST_CASE("tight settings: P equal to the number of classes, K equal to a class's size") {
  // Every pass of the class order and of class 1's pool then ends inside a batch, so the next pass
  // starts mid-batch and must not repeat what the batch already holds.
  const Labels labels = make_labels({4, 3, 5, 3});
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    sim::BalancedSampler sampler(labels, 4, 3, seed);
    for (const Batch& batch : take(sampler, 30)) {
      std::set<std::int64_t> classes;
      for (std::size_t item : batch) classes.insert(labels[item]);
      CHECK(classes.size() == 4);
      CHECK(std::set<std::size_t>(batch.begin(), batch.end()).size() == batch.size());
    }
  }
}

TEST_CASE("the stream is determined by the seed") {
  const Labels labels = make_labels({10, 10, 10, 10, 10});
  sim::BalancedSampler a(labels, 2, 3, 99), b(labels, 2, 3, 99), c(labels, 2, 3, 100);
  const auto batches_a = take(a, 50);
  CHECK(batches_a == take(b, 50));
  CHECK(batches_a != take(c, 50));
  // next(batch) and next() are the same stream.
  sim::BalancedSampler d(labels, 2, 3, 99);
  Batch reused;
  for (const Batch& expected : batches_a) {
    d.next(reused);
    CHECK(reused == expected);
  }
}

TEST_CASE("each pass visits every item of a class, and every class, once") {
  const Labels labels = make_labels({40, 6, 9, 13, 7});
  const int k = 4;
  sim::BalancedSampler sampler(labels, 3, k, 5);
  std::vector<std::size_t> big;  // the draws from class 0, in order
  std::map<std::int64_t, int> class_counts;
  int class_picks = 0;
  for (const Batch& batch : take(sampler, 200)) {
    for (std::size_t i = 0; i < batch.size(); i += std::size_t(k)) {
      const std::int64_t label = labels[batch[i]];
      ++class_picks;
      ++class_counts[label];
      // After whole passes over the 5 classes, each has been walked equally often.
      if (class_picks % 5 == 0) {
        for (const auto& [c, count] : class_counts) CHECK(count == class_picks / 5);
      }
      if (label == 0) big.insert(big.end(), batch.begin() + std::ptrdiff_t(i), batch.begin() + std::ptrdiff_t(i) + k);
    }
  }
  REQUIRE(big.size() >= 120);
  for (std::size_t pass = 0; pass + 40 <= big.size(); pass += 40) {
    const std::set<std::size_t> seen(big.begin() + std::ptrdiff_t(pass), big.begin() + std::ptrdiff_t(pass + 40));
    CHECK(seen.size() == 40);  // all 40 items before any repeat
  }
}

TEST_CASE("a class smaller than K gives all its items plus repeats, and is reported") {
  const Labels labels = make_labels({8, 2, 8, 1});
  sim::BalancedSampler sampler(labels, 2, 3, 1);
  CHECK(sampler.small_classes() == std::vector<std::int64_t>{1, 3});
  int seen_small = 0;
  for (const Batch& batch : take(sampler, 40)) {
    for (std::size_t i = 0; i < batch.size(); i += 3) {
      const std::int64_t label = labels[batch[i]];
      if (label != 1 && label != 3) continue;
      ++seen_small;
      std::set<std::size_t> items;
      for (std::size_t j = i; j < i + 3; ++j) {
        CHECK(labels[batch[j]] == label);
        items.insert(batch[j]);
      }
      CHECK(items.size() == (label == 1 ? 2u : 1u));  // every item of the class is there
    }
  }
  CHECK(seen_small > 0);
}

TEST_CASE("resuming at a step reproduces the rest of the stream") {
  const Labels labels = make_labels({15, 11, 20, 9, 14, 10});
  sim::BalancedSampler full(labels, 3, 2, 77);
  const auto all = take(full, 30);
  const std::vector<Batch> tail(all.begin() + 12, all.end());

  sim::BalancedSampler resumed(labels, 3, 2, 77, 12);
  CHECK(resumed.step() == 12);
  CHECK(take(resumed, 18) == tail);

  sim::BalancedSampler skipped(labels, 3, 2, 77);
  skipped.next();
  skipped.skip(11);
  CHECK(take(skipped, 18) == tail);
}

TEST_CASE("batches per epoch count labelled items only") {
  Labels labels = make_labels({30, 30, 30, 30});  // 120 labelled, plus unlabelled ones
  CHECK(labels.size() > 120);
  sim::BalancedSampler one(labels, 2, 5, 0);
  CHECK(one.num_labelled() == 120);
  CHECK(one.batches_per_epoch() == 12);
  CHECK(sim::BalancedSampler(make_labels({2, 2}), 2, 4, 0).batches_per_epoch() == 1);  // at least one
}

TEST_CASE("impossible sampler settings are usage errors") {
  const Labels labels = make_labels({5, 5, 5, 0, 5});  // class 3 has no items: 4 usable classes
  auto field_of = [&](int p, int k) {
    try {
      sim::BalancedSampler(labels, p, k, 0);
    } catch (const sim::UsageError& e) {
      return e.field();
    }
    return std::string("no error");
  };
  CHECK(field_of(0, 2) == "--classes-per-batch");
  CHECK(field_of(2, 0) == "--examples-per-class");
  CHECK(field_of(4, 2) == "no error");
  try {
    sim::BalancedSampler(labels, 5, 2, 0);
    FAIL("expected a UsageError");
  } catch (const sim::UsageError& e) {
    CHECK(e.field() == "--classes-per-batch");
    CHECK(std::string(e.what()).find("only 4 classes") != std::string::npos);
  }
  CHECK_THROWS_AS(sim::BalancedSampler(Labels{0, 1, -2}, 1, 1, 0), sim::FormatError);
  CHECK_THROWS_AS(sim::BalancedSampler(Labels{-1, -1}, 1, 1, 0), sim::UsageError);
}
