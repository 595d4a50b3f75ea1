#include "search/exact_index.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "base/error.hpp"
#include "base/parallel.hpp"

#ifdef SIM_HAVE_CBLAS
#include <cblas.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace sim {
namespace {

// Block sizes: a block of rows (<= 4096 x dim floats) is reused by a whole block of queries, and
// the score block (512 x 4096 floats, 8 MiB) stays modest.
constexpr std::size_t kQueryBlock = 512;
constexpr std::size_t kRowBlock = 4096;
// Candidates kept per query beyond k before the exact re-score: float rounding in the fast scores
// (|x|^2 - 2<q,x> loses digits for near-equal vectors) must not push a true neighbour out.
constexpr std::size_t kRescoreSlack = 16;
constexpr std::uint64_t kMaxItems = std::numeric_limits<std::uint32_t>::max();

using Candidate = std::pair<float, std::int64_t>;  // (score, position); smaller is better on both

bool uses_dot(Distance d) { return d != Distance::Manhattan; }

// OpenBLAS sizes its own thread pool; follow --threads when it is the BLAS underneath (looked up
// at run time: the reference BLAS has no such function and needs nothing).
void set_blas_threads(unsigned threads) {
  using SetThreads = void (*)(int);
  static const auto fn = reinterpret_cast<SetThreads>(::dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (fn != nullptr) fn(int(std::max(1u, threads)));
}

// scores[i * rows + j] = <queries[i], data[j]> for a block: nq x dim times (rows x dim)^T.
void dot_block(const float* queries, std::size_t nq, const float* data, std::size_t rows, std::size_t dim,
               float* scores) {
#ifdef SIM_HAVE_CBLAS
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(nq), int(rows), int(dim), 1.0f, queries, int(dim), data,
              int(dim), 0.0f, scores, int(rows));
#else
  for (std::size_t i = 0; i < nq; ++i) {
    for (std::size_t j = 0; j < rows; ++j) {
      float s = 0;
      for (std::size_t d = 0; d < dim; ++d) s += queries[i * dim + d] * data[j * dim + d];
      scores[i * rows + j] = s;
    }
  }
#endif
}

// The best `capacity` candidates seen, kept lazily: candidates better than the current bound go
// into a buffer of up to 2 x capacity; a full buffer is cut back to the best `capacity` with one
// nth_element, which tightens the bound. Amortised O(1) per offer whatever the capacity, where a
// heap costs O(log capacity): evaluation asks for thousands of neighbours per query (R, the size
// of a class), and a heap of 6,000 made 10k x 60k exact search 30x slower than its sgemm.
class TopK {
 public:
  explicit TopK(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) { items_.reserve(2 * capacity_); }
  void offer(float score, std::int64_t position) {
    if (score > bound_) return;
    items_.emplace_back(score, position);
    if (items_.size() == 2 * capacity_) cut();
  }
  // The kept candidates, at most `capacity`, in no particular order.
  std::vector<Candidate>& items() {
    if (items_.size() > capacity_) cut();
    return items_;
  }
  void clear() {
    items_.clear();
    bound_ = std::numeric_limits<float>::infinity();
  }
  // A score above this cannot enter (equal ones may: ties are decided by position).
  float worst() const { return bound_; }

 private:
  void cut() {
    const auto nth = items_.begin() + std::ptrdiff_t(capacity_ - 1);
    std::nth_element(items_.begin(), nth, items_.end());
    bound_ = nth->first;
    items_.resize(capacity_);
  }

  std::size_t capacity_;
  float bound_ = std::numeric_limits<float>::infinity();
  std::vector<Candidate> items_;
};

}  // namespace

struct ExactIndex::Scratch {
  std::vector<float> scores;  // block x row block
  std::vector<TopK> best;     // per query of the block
};

ExactIndex::ExactIndex(Distance distance, std::size_t dim) : Index(distance, dim) {
  if (dim == 0) throw std::invalid_argument("ExactIndex: dim must be at least 1");
}

void ExactIndex::store(float* row) const {
  if (distance_ == Distance::Cosine) l2_normalize(row, dim_);
}

void ExactIndex::add(const float* vectors, std::size_t n, unsigned threads, const AddHints& hints) {
  if (std::uint64_t(size()) + n > kMaxItems) {
    throw Error("", "", "an index holds at most " + std::to_string(kMaxItems) + " items");
  }
  const std::size_t first = size();
  data_.insert(data_.end(), vectors, vectors + n * dim_);
  append_positions(n);
  sq_norms_.resize(first + n, 0.0f);
  parallel_for(n, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = first + begin; i < first + end; ++i) {
      float* row = data_.data() + i * dim_;
      store(row);
      double s = 0;
      for (std::size_t d = 0; d < dim_; ++d) s += double(row[d]) * row[d];
      sq_norms_[i] = float(s);
    }
  });
  changed();
  if (hints.progress) hints.progress(n);  // groups: nothing to gain, a brute-force scan has no order
}

void ExactIndex::replace(std::size_t position, const float* vector) {
  require_position(position, "ExactIndex::replace");
  float* row = data_.data() + position * dim_;
  std::copy(vector, vector + dim_, row);
  store(row);
  double s = 0;
  for (std::size_t d = 0; d < dim_; ++d) s += double(row[d]) * row[d];
  sq_norms_[position] = float(s);
  record_replaced(position);
}

void ExactIndex::mark_deleted(std::size_t position) {
  require_deletable(position, "ExactIndex::mark_deleted");
  record_deleted(position);
}

std::vector<std::int64_t> ExactIndex::compact() {
  std::vector<std::int64_t> moved(size(), -1);
  std::size_t out = 0;
  for (std::size_t i = 0; i < size(); ++i) {
    if (is_deleted(i)) continue;
    moved[i] = std::int64_t(out);
    if (out != i) {
      std::copy_n(data_.begin() + std::ptrdiff_t(i * dim_), dim_, data_.begin() + std::ptrdiff_t(out * dim_));
      sq_norms_[out] = sq_norms_[i];
    }
    ++out;
  }
  data_.resize(out * dim_);
  sq_norms_.resize(out);
  if (deleted_count() > 0) changed();
  reset_positions(std::vector<std::uint8_t>(out, 0));
  return moved;
}

// One block of queries against every row, on the calling thread: per block of rows one sgemm,
// then one comparison per row against the current k-th best (which rejects almost every row),
// then the exact re-score of the few candidates and the deterministic order (distance, position).
void ExactIndex::search_block(const float* qb, std::size_t qn, std::size_t k, Scratch& scratch, float* out_distances,
                              std::int64_t* out_positions) const {
  const std::size_t n = size();
  const bool euclidean = distance_ == Distance::Euclidean || distance_ == Distance::SquaredEuclidean;
  const bool any_deleted = deleted_count() > 0;
  const std::vector<std::uint8_t>& deleted = deleted_flags();
  for (std::size_t i = 0; i < qn; ++i) scratch.best[i].clear();
  for (std::size_t r0 = 0; r0 < n; r0 += kRowBlock) {
    const std::size_t rn = std::min(kRowBlock, n - r0);
    const float* rows = data_.data() + r0 * dim_;
    if (uses_dot(distance_)) dot_block(qb, qn, rows, rn, dim_, scratch.scores.data());
    for (std::size_t i = 0; i < qn; ++i) {
      float* s = scratch.scores.data() + i * rn;
      if (euclidean) {
        const float* norms = sq_norms_.data() + r0;
        for (std::size_t j = 0; j < rn; ++j) s[j] = norms[j] - 2.0f * s[j];  // |q - x|^2 - |q|^2
      } else if (uses_dot(distance_)) {
        for (std::size_t j = 0; j < rn; ++j) s[j] = -s[j];
      } else {
        const float* y = qb + i * dim_;
        for (std::size_t j = 0; j < rn; ++j) {
          const float* x = rows + j * dim_;
          float l1 = 0;
          for (std::size_t d = 0; d < dim_; ++d) l1 += std::fabs(x[d] - y[d]);
          s[j] = l1;
        }
      }
      TopK& top = scratch.best[i];
      float worst = top.worst();
      for (std::size_t j = 0; j < rn; ++j) {
        if (s[j] > worst || (any_deleted && deleted[r0 + j])) continue;
        top.offer(s[j], std::int64_t(r0 + j));
        worst = top.worst();
      }
    }
  }
  for (std::size_t i = 0; i < qn; ++i) {
    std::vector<Candidate>& c = scratch.best[i].items();
    for (Candidate& cand : c) {
      const float* x = data_.data() + std::size_t(cand.second) * dim_;
      cand.first = clamp_distance(distance_, sim::distance(distance_, qb + i * dim_, x, dim_));
    }
    std::sort(c.begin(), c.end());
    for (std::size_t j = 0; j < std::min(k, c.size()); ++j) {
      out_distances[i * k + j] = c[j].first;
      out_positions[i * k + j] = c[j].second;
    }
  }
}

SearchResult ExactIndex::search(const float* queries, std::size_t nq, std::size_t k, const SearchParams& params) const {
  SearchResult result(nq, k);
  const std::size_t n = size();
  if (nq == 0 || k == 0 || live_count() == 0) return result;
  const std::size_t keep = std::min(live_count(), k + kRescoreSlack);
  const unsigned threads = unsigned(std::min<std::size_t>(std::max(1u, params.threads), nq));

  // The queries as the stored vectors are: normalised for cosine (copies, never the caller's data).
  std::vector<float> q(queries, queries + nq * dim_);
  if (distance_ == Distance::Cosine) {
    for (std::size_t i = 0; i < nq; ++i) l2_normalize(q.data() + i * dim_, dim_);
  }
  // Blocks of queries, several per thread for balance; each thread's buffers allocated up front
  // (nothing may throw inside an OpenMP region).
  const std::size_t block = std::clamp<std::size_t>((nq + 4 * threads - 1) / (4 * threads), 1, kQueryBlock);
  const std::size_t blocks = (nq + block - 1) / block;
  std::vector<Scratch> scratch(threads);
  for (Scratch& s : scratch) {
    s.scores.resize(block * std::min(n, kRowBlock));
    s.best.assign(block, TopK(keep));
  }
  const auto run = [&](std::size_t b, Scratch& s) {
    const std::size_t q0 = b * block, qn = std::min(block, nq - q0);
    search_block(q.data() + q0 * dim_, qn, k, s, result.distances.data() + q0 * k, result.positions.data() + q0 * k);
  };
  if (threads == 1) {
    set_blas_threads(std::max(1u, params.threads));  // one block of queries: BLAS may use the cores
    for (std::size_t b = 0; b < blocks; ++b) run(b, scratch[0]);
    return result;
  }
  // One parallel region for the whole search, each thread running whole blocks (sgemm included:
  // inside an OpenMP region, OpenBLAS computes on the calling thread). An sgemm on all threads per
  // block, alternating with ranking on all threads, meant a barrier per block, and OpenMP's
  // spinning barriers measured 3-4x slower than one thread on a busy 2-core machine.
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    Scratch& mine = scratch[std::size_t(omp_get_thread_num())];
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t b = 0; b < std::ptrdiff_t(blocks); ++b) run(std::size_t(b), mine);
  }
#else
  std::atomic<std::size_t> next{0};
  parallel_for(
      threads, threads,
      [&](std::size_t t, std::size_t) {
        for (std::size_t b = next++; b < blocks; b = next++) run(b, scratch[t]);
      },
      1);
#endif
  return result;
}

}  // namespace sim
