#include <doctest/doctest.h>

#include <cstdint>
#include <queue>
#include <random>
#include <utility>
#include <vector>

#include "search/binary_heap.hpp"

namespace {

using Ranked = std::pair<float, std::uint32_t>;

// hnswlib's comparison: distances only, so equal distances are ties the layout decides.
struct ByFirst {
  bool operator()(const Ranked& a, const Ranked& b) const { return a.first < b.first; }
};

// std::priority_queue with its vector in reach.
struct StdHeap : std::priority_queue<Ranked, std::vector<Ranked>, ByFirst> {
  const std::vector<Ranked>& elements() const { return c; }
};

}  // namespace

TEST_CASE("BinaryHeap lays its elements out as std::priority_queue does, ties included") {
  std::mt19937 rng(7);
  // Few distinct distances, so nearly every comparison meets a tie; the ids tell the tied apart.
  for (int distinct : {3, 50}) {
    std::uniform_int_distribution<int> distance(0, distinct - 1);
    sim::BinaryHeap<Ranked, ByFirst> heap;
    StdHeap expected;
    std::uint32_t id = 0;
    for (int step = 0; step < 20000; ++step) {
      // Grows to a few hundred elements, then shrinks to nothing, and again: every size and parity.
      const bool grow = (step / 500) % 2 == 0;
      if (!expected.empty() && (!grow || rng() % 4 == 0)) {
        REQUIRE(heap.top() == expected.top());
        heap.pop();
        expected.pop();
      } else {
        const Ranked r{float(distance(rng)), id++};
        heap.emplace(r);
        expected.push(r);
      }
      REQUIRE(heap.size() == expected.size());
      REQUIRE(heap.elements() == expected.elements());
    }
  }
}

TEST_CASE("BinaryHeap pops largest first, and a reversed order makes it a min-heap") {
  sim::BinaryHeap<int, std::greater<int>> smallest_first;
  for (int v : {5, 1, 4, 1, 3, 9, 2}) smallest_first.emplace(v);
  std::vector<int> popped;
  for (; !smallest_first.empty(); smallest_first.pop()) popped.push_back(smallest_first.top());
  CHECK(popped == std::vector<int>{1, 1, 2, 3, 4, 5, 9});
}
