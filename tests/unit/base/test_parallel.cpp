#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/parallel.hpp"

TEST_CASE("parallel_for covers every index exactly once") {
  for (unsigned threads : {1u, 2u, 4u}) {
    std::vector<std::atomic<int>> seen(1000);
    sim::parallel_for(seen.size(), threads, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) ++seen[i];
    });
    for (const auto& s : seen) REQUIRE(s.load() == 1);
  }
}

TEST_CASE("a worker thread's exception is rethrown on the calling thread") {
  // Only items handled off the calling thread throw; the caller is slowed down so workers get some.
  const auto caller = std::this_thread::get_id();
  auto fn = [&](std::size_t b, std::size_t) {
    if (std::this_thread::get_id() == caller) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return;
    }
    throw std::runtime_error("item " + std::to_string(b) + " is broken");
  };
  CHECK_THROWS_WITH_AS(sim::parallel_for(100, 4, fn, 1), doctest::Contains("is broken"), std::runtime_error);
}

TEST_CASE("resolve_threads") {
  CHECK(sim::resolve_threads(3) == 3);
  CHECK(sim::resolve_threads(0) >= 1);
}

TEST_CASE("empty ranges do nothing") {
  bool called = false;
  sim::parallel_for(0, 4, [&](std::size_t, std::size_t) { called = true; });
  CHECK_FALSE(called);
}
