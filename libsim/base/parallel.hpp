// Worker threads whose exceptions reach the caller.
//
// parallel_for splits [0, n) into chunks handed out dynamically to `threads` workers (the calling
// thread is one of them). If any call throws, the remaining chunks are skipped and the first
// exception is rethrown on the calling thread, so run_main's one catch site sees it.
#pragma once

#include <cstddef>
#include <functional>

namespace sim {

// 0 means "all cores" (std::thread::hardware_concurrency, at least 1).
unsigned resolve_threads(unsigned requested);

// Under an address-space limit (ulimit -v), the number of worker threads that fit in what is left
// of it, at most `threads`: each thread but the calling one costs address space it cannot do
// without — its OpenBLAS buffer (128 MiB; OpenBLAS retries a failing one forever, which hung every
// program at 100% CPU), its malloc arena (64 MiB) and its scratch: 256 MiB, measured. 0 when not
// even 64 MiB to work in are left. Without a limit: `threads`. `free_bytes` (optional) receives
// what the limit leaves (0 without a limit). `mapped_later`: what the run will map after this call
// whatever the threads (a plugin's libraries), not counted as free.
unsigned threads_within_address_limit(unsigned threads, std::size_t* free_bytes = nullptr,
                                      std::size_t mapped_later = 0);

// Calls fn(begin, end) over disjoint ranges covering [0, n); chunk = 0 picks a size that gives each
// thread several chunks. With threads <= 1 everything runs on the calling thread, in order.
void parallel_for(std::size_t n, unsigned threads, const std::function<void(std::size_t, std::size_t)>& fn,
                  std::size_t chunk = 0);

}  // namespace sim
