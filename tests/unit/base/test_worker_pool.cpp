// WorkerPool: every part run exactly once, on several threads, run after run; the first exception
// reaches the caller and the pool stays usable; callers from several threads take turns.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "base/worker_pool.hpp"

TEST_CASE("a worker pool runs every part exactly once, on its threads, run after run") {
  for (const unsigned threads : {0u, 1u, 2u, 4u}) {
    CAPTURE(threads);
    sim::WorkerPool pool(threads);
    CHECK(pool.threads() == std::max(1u, threads));
    for (const std::size_t n : {0u, 1u, 2u, 7u, 100u}) {
      std::vector<std::atomic<int>> calls(n);
      pool.run(n, [&](std::size_t i) { calls[i].fetch_add(1); });
      for (std::size_t i = 0; i < n; ++i) REQUIRE(calls[i].load() == 1);
    }
    std::atomic<std::size_t> total{0};
    for (int run = 0; run < 2000; ++run) pool.run(3, [&](std::size_t) { total.fetch_add(1); });
    CHECK(total.load() == 6000);
  }
  // Parts long enough to overlap land on more than one thread.
  sim::WorkerPool pool(3);
  std::mutex mutex;
  std::set<std::thread::id> seen;
  pool.run(6, [&](std::size_t) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::lock_guard<std::mutex> lock(mutex);
    seen.insert(std::this_thread::get_id());
  });
  CHECK(seen.size() >= 2);
}

TEST_CASE("a worker pool rethrows the first exception and stays usable; callers take turns") {
  sim::WorkerPool pool(2);
  std::atomic<int> started{0};
  CHECK_THROWS_WITH_AS(pool.run(50,
                                [&](std::size_t i) {
                                  started.fetch_add(1);
                                  if (i == 3) throw std::runtime_error("part 3");
                                }),
                       "part 3", std::runtime_error);
  CHECK(started.load() <= 50);
  std::atomic<int> after{0};
  pool.run(10, [&](std::size_t) { after.fetch_add(1); });
  CHECK(after.load() == 10);

  std::atomic<int> sum{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c) {
    callers.emplace_back([&] {
      for (int run = 0; run < 300; ++run) pool.run(4, [&](std::size_t i) { sum.fetch_add(int(i)); });
    });
  }
  for (std::thread& t : callers) t.join();
  CHECK(sum.load() == 3 * 300 * 6);
}
