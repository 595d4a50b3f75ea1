// Threads kept for work too short to start threads for. parallel_for (parallel.hpp) starts its
// workers at every call, which costs tens of microseconds: as much as one query's search of a
// shard of a few hundred thousand items. A WorkerPool starts them once, and each run hands its
// parts to threads that are already waiting: what lets one query search several shards side by
// side (ShardedIndex::search). Waiting threads spin for a fraction of a millisecond before they
// sleep: a condition variable's wake-up alone took as long as the part it woke a thread for, and
// runs that follow each other closely (a stream of queries) then find the workers awake.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sim {

class WorkerPool {
 public:
  // threads - 1 workers; the thread that calls run() is the last one. 0 or 1: no workers, run()
  // does everything itself.
  explicit WorkerPool(unsigned threads);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned threads() const noexcept { return unsigned(workers_.size()) + 1; }

  // Calls part(i) for every i in [0, n) on the workers and the calling thread, and returns when all
  // are done. If a part throws, the parts not yet started are skipped and the first exception is
  // rethrown here. One run at a time: a second caller waits for the first to finish.
  void run(std::size_t n, const std::function<void(std::size_t)>& part);

 private:
  void work();
  void take_parts();  // under no lock: parts until none is left

  std::vector<std::thread> workers_;
  std::mutex run_mutex_;  // one run at a time
  std::mutex mutex_;      // guards everything below
  std::condition_variable wake_, done_;
  const std::function<void(std::size_t)>* part_ = nullptr;
  std::size_t count_ = 0, next_ = 0;
  // Written under mutex_; atomic so that a waiting thread can spin on them before it sleeps.
  std::atomic<std::size_t> finished_{0};
  std::atomic<std::size_t> generation_{0};  // bumped by each run: a worker takes part in each run once
  std::atomic<bool> stopping_{false};
  std::exception_ptr error_;
};

}  // namespace sim
