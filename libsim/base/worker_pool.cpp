#include "base/worker_pool.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace sim {
namespace {

// About half a millisecond of polling before a thread sleeps on a condition variable.
constexpr int kSpins = 20000;

inline void pause() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

}  // namespace

WorkerPool::WorkerPool(unsigned threads) {
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void WorkerPool::run(std::size_t n, const std::function<void(std::size_t)>& part) {
  if (workers_.empty() || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) part(i);
    return;
  }
  std::lock_guard<std::mutex> serial(run_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    part_ = &part;
    count_ = n;
    next_ = 0;
    finished_.store(0);
    error_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  take_parts();
  for (int spin = 0; spin < kSpins && finished_.load(std::memory_order_acquire) != n; ++spin) pause();
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return finished_.load() == count_; });
  part_ = nullptr;
  if (error_) std::rethrow_exception(error_);
}

void WorkerPool::take_parts() {
  for (;;) {
    std::size_t i = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (next_ >= count_) return;
      i = next_++;
    }
    std::exception_ptr failure;
    try {
      (*part_)(i);  // stable until this part is counted finished: run() waits for that
    } catch (...) {
      failure = std::current_exception();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (failure) {
      if (!error_) error_ = failure;
      finished_.fetch_add(count_ - next_);  // the parts not started are skipped
      next_ = count_;
    }
    if (finished_.fetch_add(1) + 1 == count_) done_.notify_all();
  }
}

void WorkerPool::work() {
  std::size_t seen = 0;
  for (;;) {
    for (int spin = 0; spin < kSpins && generation_.load(std::memory_order_acquire) == seen && !stopping_.load();
         ++spin) {
      pause();
    }
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_.load() || generation_.load() != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    take_parts();
  }
}

}  // namespace sim
