#include "base/parallel.hpp"

#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace sim {

unsigned resolve_threads(unsigned requested) {
  if (requested > 0) return requested;
  return std::max(1u, std::thread::hardware_concurrency());
}

namespace {

// The largest region that can still be mapped, to 16 MiB: reservations without memory (PROT_NONE)
// count against RLIMIT_AS like any other mapping, so they measure what the limit leaves.
std::size_t mappable_bytes(std::size_t limit) {
  constexpr std::size_t kStep = std::size_t(16) << 20;
  std::size_t lo = 0, hi = limit / kStep + 1;  // lo steps fit, hi steps do not
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    void* p = ::mmap(nullptr, mid * kStep, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
      hi = mid;
    } else {
      ::munmap(p, mid * kStep);
      lo = mid;
    }
  }
  return lo * kStep;
}

}  // namespace

unsigned threads_within_address_limit(unsigned threads, std::size_t* free_bytes, std::size_t mapped_later) {
  if (free_bytes != nullptr) *free_bytes = 0;
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return threads;
  const std::size_t mappable = mappable_bytes(std::size_t(limit.rlim_cur));
  const std::size_t free = mappable - std::min(mappable, mapped_later);
  if (free_bytes != nullptr) *free_bytes = free;
  // The calling thread's OpenBLAS buffer is mapped already (at start-up); every other thread's is
  // mapped at its first BLAS call.
  // Measured (sim-eval --reference, 2 threads): 192 MiB per thread still hung; 256 MiB did not.
  constexpr std::size_t kPerThread = std::size_t(256) << 20;  // OpenBLAS buffer, malloc arena, scratch
  constexpr std::size_t kWorkingSet = std::size_t(64) << 20;  // the run's own data, at the least
  if (free < kWorkingSet) return 0;
  return unsigned(std::min<std::size_t>(threads, 1 + (free - kWorkingSet) / kPerThread));
}

void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t, std::size_t)>& fn,
                  std::size_t chunk) {
  if (n == 0) return;
  threads = std::max(1u, threads);
  if (chunk == 0) chunk = std::max<std::size_t>(1, n / (std::size_t(threads) * 8));
  const std::size_t workers = std::min<std::size_t>(threads, (n + chunk - 1) / chunk);
  if (workers <= 1) {
    fn(0, n);
    return;
  }

  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;

  auto work = [&] {
    while (!failed.load(std::memory_order_relaxed)) {
      const std::size_t begin = next.fetch_add(chunk);
      if (begin >= n) return;
      try {
        fn(begin, std::min(n, begin + chunk));
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };

  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (std::size_t i = 1; i < workers; ++i) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace sim
