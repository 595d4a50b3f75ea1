// Brute-force search: the oracle every approximate index is tested against, the index for
// distances hnswlib cannot serve (manhattan), and sim-eval --reference's engine.
//
// Every query is compared with every live vector. Queries and vectors are processed in blocks so
// that a block of vectors stays in cache while a block of queries passes over it; for the
// dot-product distances (cosine, inner product, euclidean, sqeuclidean) each block is one BLAS
// sgemm (cblas from Debian's libblas-dev, OpenBLAS at run time), manhattan is a plain loop the
// compiler vectorises. Threads take whole blocks of queries (OpenMP threads, each running its own
// single-threaded sgemm: see search()). Each block's scores go straight into per-query candidate
// sets (top_candidates.hpp; with a bound estimated from a sample when many neighbours are asked),
// so nothing of size queries x gallery is held. The candidates are then re-scored with the
// reference distance's sums (base/distance.hpp, accumulated in double), so reported distances are
// exact and ties are broken by smaller position: results are deterministic whatever the threads.
// Measured against numpy's product and faiss in docs/benchmarks.md ("sim-eval: 10k queries").
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "search/index.hpp"

namespace sim {

class TopK;  // search/top_candidates.hpp

class ExactIndex final : public Index {
 public:
  // Throws std::invalid_argument for dim 0.
  ExactIndex(Distance distance, std::size_t dim);

  IndexType type() const noexcept override { return IndexType::Exact; }

  void add(const float* vectors, std::size_t n, unsigned threads, const AddHints& hints = {}) override;
  void replace(std::size_t position, const float* vector) override;
  void mark_deleted(std::size_t position) override;
  SearchResult search(const float* queries, std::size_t nq, std::size_t k, const SearchParams& params) const override;
  void copy_vectors(std::size_t first, std::size_t n, float* out) const override;

  // The stored vectors, size() x dim, row-major: L2-normalised for cosine (only the direction
  // matters), as given otherwise.
  const std::vector<float>& vectors() const noexcept { return data_; }

  // Drops deleted rows: live items keep their order and take positions 0 .. live_count()-1.
  // Returns, for each old position, its new position or -1 if it was deleted.
  std::vector<std::int64_t> compact();

 private:
  struct Scratch;  // one search thread's buffers
  // Row `position`'s norms, after normalising it in place for cosine (unless it is already).
  void store(std::size_t position, bool normalise);
  void search_block(const float* queries, std::size_t nq, std::size_t k, Scratch& scratch, float* out_distances,
                    std::int64_t* out_positions) const;
  void fast_scores(const float* queries, std::size_t nq, const float* rows, const float* sq_norms, std::size_t rn,
                   float* scores) const;
  void seed_bounds(const float* queries, std::size_t nq, std::size_t keep, Scratch& scratch) const;
  void sweep(const float* queries, std::size_t nq, float* scores, TopK* best, const float* seeds) const;
  void rescore(const float* queries, std::size_t nq, Scratch& scratch) const;
  float exact_distance(double sum, double query_norm, std::size_t position) const;

  std::vector<float> data_;
  std::vector<float> sq_norms_;  // |x|^2 per row, for the fast scores of the euclidean family
  std::vector<double> norms_;    // |x| per row in double, as sim::distance computes it (cosine)
};

}  // namespace sim
