#include "search/exact_index.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "base/error.hpp"
#include "base/parallel.hpp"
#include "search/top_candidates.hpp"

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
// The re-score's row blocks: rows of at most this many bytes, a part of a core's L2 cache (512 KiB
// on the EPYCs here), re-read by every query of a block. Blocks of the sweep's 4,096 rows (1 MiB at
// 64 dimensions) left the re-score waiting on the L3 cache for most rows.
constexpr std::size_t kRescoreBytes = std::size_t(256) << 10;
// Candidates kept per query beyond k before the exact re-score: float rounding in the fast scores
// (|x|^2 - 2<q,x> loses digits for near-equal vectors) must not push a true neighbour out.
constexpr std::size_t kRescoreSlack = 16;
// Seeding (seed_bounds): rows sampled to estimate each query's bound, for searches that keep at
// least kSeedMinKeep candidates (below that the lazy bound tightens within the first rows anyway).
constexpr std::size_t kSampleRows = 1024;
constexpr std::size_t kSeedMinKeep = 64;
constexpr std::uint64_t kMaxItems = std::numeric_limits<std::uint32_t>::max();

bool uses_dot(Distance d) { return d != Distance::Manhattan; }

std::size_t rescore_rows(std::size_t dim) { return std::max<std::size_t>(64, kRescoreBytes / (dim * sizeof(float))); }

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

}  // namespace

struct ExactIndex::Scratch {
  std::vector<float> scores;                // fast scores: block x row block (or x sample)
  std::vector<TopK> best;                   // per query of the block
  std::vector<float> bounds;                // per query: its seed bound (seed_bounds)
  std::vector<float> sample;                // kSampleRows x dim sampled rows, then their |x|^2
  std::vector<double> query_norms;          // per query, for cosine's re-score
  std::vector<std::uint32_t> by_row_block;  // per query: its candidates' positions by row block
  std::vector<std::size_t> bucket_starts;   // per query: where each row block's positions start
  std::vector<double> sums;                 // one query's exact sums over one row block (rescore)

  Scratch(std::size_t block, std::size_t keep, std::size_t n, std::size_t dim)
      : scores(block * std::max(std::min(n, kRowBlock), kSampleRows)),
        best(block, TopK(keep)),
        bounds(block),
        sample(kSampleRows * (dim + 1)),
        query_norms(block),
        by_row_block(block * keep),
        bucket_starts(block * ((n + rescore_rows(dim) - 1) / rescore_rows(dim) + 1)),
        sums(keep) {}
};

ExactIndex::ExactIndex(Distance distance, std::size_t dim) : Index(distance, dim) {
  if (dim == 0) throw std::invalid_argument("ExactIndex: dim must be at least 1");
}

void ExactIndex::store(std::size_t position, bool normalise) {
  float* row = data_.data() + position * dim_;
  if (distance_ == Distance::Cosine && normalise) l2_normalize(row, dim_);
  const double squared = exact_dot(row, row, dim_);
  sq_norms_[position] = float(squared);
  norms_[position] = std::sqrt(squared);
}

void ExactIndex::add(const float* vectors, std::size_t n, unsigned threads, const AddHints& hints) {
  if (std::uint64_t(size()) + n > kMaxItems) {
    throw Error("", "", "an index holds at most " + std::to_string(kMaxItems) + " items");
  }
  const std::size_t first = size();
  data_.insert(data_.end(), vectors, vectors + n * dim_);
  append_positions(n);
  sq_norms_.resize(first + n, 0.0f);
  norms_.resize(first + n, 0.0);
  parallel_for(n, threads, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = first + begin; i < first + end; ++i) store(i, !hints.stored);
  });
  changed();
  if (hints.progress) hints.progress(n);  // groups: nothing to gain, a brute-force scan has no order
}

void ExactIndex::replace(std::size_t position, const float* vector) {
  require_position(position, "ExactIndex::replace");
  std::copy(vector, vector + dim_, data_.data() + position * dim_);
  store(position, true);
  record_replaced(position);
}

void ExactIndex::mark_deleted(std::size_t position) {
  require_deletable(position, "ExactIndex::mark_deleted");
  record_deleted(position);
}

void ExactIndex::copy_vectors(std::size_t first, std::size_t n, float* out) const {
  require_range(first, n, "ExactIndex::copy_vectors");
  std::copy_n(data_.data() + first * dim_, n * dim_, out);
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
      norms_[out] = norms_[i];
    }
    ++out;
  }
  data_.resize(out * dim_);
  sq_norms_.resize(out);
  norms_.resize(out);
  if (deleted_count() > 0) changed();
  reset_positions(std::vector<std::uint8_t>(out, 0));
  return moved;
}

// scores[i * rn + j] = the fast score of query i against row j of `rows` (rn rows, with |x|^2 in
// `sq_norms` for the euclidean family): smaller is closer, in the order of the distance but not
// its value (|q - x|^2 - |q|^2, -<q,x>), in float. Exact values come from the re-score.
void ExactIndex::fast_scores(const float* qb, std::size_t qn, const float* rows, const float* sq_norms, std::size_t rn,
                             float* scores) const {
  const bool euclidean = distance_ == Distance::Euclidean || distance_ == Distance::SquaredEuclidean;
  if (uses_dot(distance_)) dot_block(qb, qn, rows, rn, dim_, scores);
  for (std::size_t i = 0; i < qn; ++i) {
    float* s = scores + i * rn;
    if (euclidean) {
      for (std::size_t j = 0; j < rn; ++j) s[j] = sq_norms[j] - 2.0f * s[j];
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
  }
}

// Estimates, for each query, a bound that a little more than `keep` of the live rows' fast scores
// are at or below: the score of the matching rank among kSampleRows rows spread evenly over the
// index, raised by four standard deviations of that estimate. Seeded with it, the sweep keeps a
// few thousand of 60,000 scores where the lazy bound alone, starting from infinity, kept and cut
// far more. An estimate too low is caught by the sweep (TopK::accepted) and that query searched
// again without a seed, so a skewed sample costs time, never results.
void ExactIndex::seed_bounds(const float* qb, std::size_t qn, std::size_t keep, Scratch& scratch) const {
  const std::size_t n = size();
  float* rows = scratch.sample.data();
  float* norms = rows + kSampleRows * dim_;
  for (std::size_t r = 0; r < kSampleRows; ++r) {
    const std::size_t position = r * n / kSampleRows;
    std::copy_n(data_.data() + position * dim_, dim_, rows + r * dim_);
    norms[r] = sq_norms_[position];
  }
  fast_scores(qb, qn, rows, norms, kSampleRows, scratch.scores.data());
  const double expected = double(kSampleRows) * double(keep) / double(live_count());
  const auto rank = std::min(kSampleRows - 1, std::size_t(expected + 4.0 * std::sqrt(expected) + 1.0));
  for (std::size_t i = 0; i < qn; ++i) {
    float* s = scratch.scores.data() + i * kSampleRows;
    std::nth_element(s, s + rank, s + kSampleRows);
    scratch.bounds[i] = s[rank];
  }
}

// Every row's fast score offered to the candidates of queries qb[0 .. qn), in blocks of rows: one
// sgemm per block, then runs of scores against each query's bound (seeds: one per query, or null).
void ExactIndex::sweep(const float* qb, std::size_t qn, float* scores, TopK* best, const float* seeds) const {
  const std::size_t n = size();
  const std::uint8_t* deleted = deleted_count() > 0 ? deleted_flags().data() : nullptr;
  for (std::size_t i = 0; i < qn; ++i) {
    best[i].clear(seeds != nullptr ? seeds[i] : std::numeric_limits<float>::infinity());
  }
  for (std::size_t r0 = 0; r0 < n; r0 += kRowBlock) {
    const std::size_t rn = std::min(kRowBlock, n - r0);
    fast_scores(qb, qn, data_.data() + r0 * dim_, sq_norms_.data() + r0, rn, scores);
    for (std::size_t i = 0; i < qn; ++i) {
      const float* s = scores + i * rn;
      for (std::size_t j = 0; j < rn; j += TopK::kRun) {
        best[i].offer_run(s + j, std::min(TopK::kRun, rn - j), r0 + j, deleted == nullptr ? nullptr : deleted + r0 + j);
      }
    }
  }
}

// Replaces each query's candidates' fast scores by their exact distances, row block by row block:
// a block's rows (1 MiB at 64 dimensions) stay in cache while every query of the block re-scores
// the candidates it holds there. In the candidates' own order the rows came from all over the
// index, and the cache misses made the re-score of 6,000 candidates per query twice the sweep.
void ExactIndex::rescore(const float* qb, std::size_t qn, Scratch& scratch) const {
  const std::size_t rows = rescore_rows(dim_), blocks = (size() + rows - 1) / rows;
  const std::size_t keep = scratch.best[0].capacity();
  for (std::size_t i = 0; i < qn; ++i) {  // each query's positions grouped by row block: a counting sort
    const Candidate* c = scratch.best[i].begin();
    const std::size_t count = std::size_t(scratch.best[i].end() - c);
    std::size_t* starts = scratch.bucket_starts.data() + i * (blocks + 1);
    std::fill(starts, starts + blocks + 1, 0);
    for (std::size_t j = 0; j < count; ++j) ++starts[position_of(c[j]) / rows + 1];
    for (std::size_t b = 0; b < blocks; ++b) starts[b + 1] += starts[b];
    std::uint32_t* grouped = scratch.by_row_block.data() + i * keep;
    for (std::size_t j = 0; j < count; ++j) {
      grouped[starts[position_of(c[j]) / rows]++] = std::uint32_t(position_of(c[j]));
    }
    for (std::size_t b = blocks; b > 0; --b) starts[b] = starts[b - 1];  // each start was moved to the next one's
    starts[0] = 0;
    const float* query = qb + i * dim_;
    scratch.query_norms[i] = distance_ == Distance::Cosine ? std::sqrt(exact_dot(query, query, dim_)) : 0.0;
  }
  double* sums = scratch.sums.data();
  const bool euclidean = distance_ == Distance::Euclidean || distance_ == Distance::SquaredEuclidean;
  for (std::size_t b = 0; b < blocks; ++b) {
    for (std::size_t i = 0; i < qn; ++i) {
      const std::size_t* starts = scratch.bucket_starts.data() + i * (blocks + 1);
      const std::uint32_t* grouped = scratch.by_row_block.data() + i * keep + starts[b];
      const std::size_t count = starts[b + 1] - starts[b];
      if (count == 0) continue;
      Candidate* out = scratch.best[i].begin() + starts[b];
      const float* query = qb + i * dim_;
      if (distance_ == Distance::Manhattan) {
        for (std::size_t j = 0; j < count; ++j) {
          const float d = sim::distance(distance_, query, data_.data() + std::size_t(grouped[j]) * dim_, dim_);
          out[j] = candidate(clamp_distance(distance_, d), grouped[j]);
        }
        continue;
      }
      exact_sums(euclidean ? ExactSum::SquaredL2 : ExactSum::Dot, query, data_.data(), dim_, grouped, count, sums);
      for (std::size_t j = 0; j < count; ++j)
        out[j] = candidate(exact_distance(sums[j], scratch.query_norms[i], grouped[j]), grouped[j]);
    }
  }
}

// One block of queries against every row, on the calling thread: seeds (when many neighbours are
// asked), the sweep, a second sweep for any query whose seed was too low, the exact re-score, then
// the deterministic order (distance, position).
void ExactIndex::search_block(const float* qb, std::size_t qn, std::size_t k, Scratch& scratch, float* out_distances,
                              std::int64_t* out_positions) const {
  const std::size_t keep = scratch.best[0].capacity();
  const bool seeded = keep >= kSeedMinKeep && live_count() >= 4 * keep && size() >= 2 * kSampleRows;
  if (seeded) seed_bounds(qb, qn, keep, scratch);
  sweep(qb, qn, scratch.scores.data(), scratch.best.data(), seeded ? scratch.bounds.data() : nullptr);
  if (seeded) {
    for (std::size_t i = 0; i < qn; ++i) {
      if (scratch.best[i].accepted() < keep) sweep(qb + i * dim_, 1, scratch.scores.data(), &scratch.best[i], nullptr);
    }
  }
  rescore(qb, qn, scratch);
  for (std::size_t i = 0; i < qn; ++i) {
    TopK& top = scratch.best[i];
    top.sort();
    const std::size_t found = std::min<std::size_t>(k, std::size_t(top.end() - top.begin()));
    for (std::size_t j = 0; j < found; ++j) {
      out_distances[i * k + j] = score_of(top.begin()[j]);
      out_positions[i * k + j] = std::int64_t(position_of(top.begin()[j]));
    }
  }
}

// What sim::distance(distance_, query, row) returns, clamped (clamp_distance), from the sum it is
// made of (<q,x> for cosine and inner product, |q - x|^2 for the euclidean family), with the norms
// of cosine read from the index rather than computed again: the same bits, a third of the work.
float ExactIndex::exact_distance(double sum, double query_norm, std::size_t position) const {
  float d = float(sum);  // sqeuclidean; manhattan is re-scored by sim::distance (rescore)
  switch (distance_) {
    case Distance::Cosine: {
      const double row_norm = norms_[position];
      d = query_norm == 0 || row_norm == 0 ? 1.0f : float(1.0 - sum / (query_norm * row_norm));
      break;
    }
    case Distance::Euclidean:
      d = float(std::sqrt(sum));
      break;
    case Distance::InnerProduct:
      d = float(1.0 - sum);
      break;
    case Distance::SquaredEuclidean:
    case Distance::Manhattan:
      break;
  }
  return clamp_distance(distance_, d);
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
  std::vector<Scratch> scratch(threads, Scratch(block, keep, n, dim_));
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
