#include "search/recall_tuning.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "search/exact_index.hpp"
#include "search/hnsw_index.hpp"

namespace sim {
namespace {

constexpr std::size_t kMaxEf = 1000000;  // what --ef accepts

// Each query's first k neighbours other than itself.
std::vector<std::int64_t> others(const SearchResult& r, std::size_t q, std::int64_t self, std::size_t k) {
  std::vector<std::int64_t> out;
  for (std::size_t j = 0; j < r.found(q) && out.size() < k; ++j) {
    if (r.position(q, j) != self) out.push_back(r.position(q, j));
  }
  return out;
}

}  // namespace

RecallProbe::RecallProbe(const Index& index, const RecallOptions& options)
    : index_(index), k_(std::max<std::size_t>(1, options.k)), threads_(options.threads) {
  std::vector<std::size_t> live;
  for (std::size_t p = 0; p < index.size(); ++p) {
    if (!index.is_deleted(p)) live.push_back(p);
  }
  if (live.size() < 2) throw std::invalid_argument("RecallProbe: fewer than 2 live items");
  live_ = live.size();
  k_ = std::min(k_, live.size() - 1);
  // A seeded sample without repeats, in position order (the same sample for the same seed).
  std::mt19937_64 rng(options.seed);
  std::shuffle(live.begin(), live.end(), rng);
  live.resize(std::min(live.size(), std::max<std::size_t>(1, options.sample)));
  std::sort(live.begin(), live.end());
  positions_ = live;

  // The oracle: an exact index over the very vectors, positions and deletions; the queries are
  // the sampled items' rows of the same copy (copy_vectors scans an HNSW graph whole: once).
  const std::size_t dim = index.dim();
  std::vector<float> all(index.size() * dim);
  index.copy_vectors(0, index.size(), all.data());
  queries_.resize(positions_.size() * dim);
  for (std::size_t i = 0; i < positions_.size(); ++i) {
    std::copy_n(all.data() + positions_[i] * dim, dim, queries_.data() + i * dim);
  }
  ExactIndex exact(index.distance(), dim);
  AddHints stored;
  stored.stored = true;
  exact.add(all.data(), index.size(), threads_, stored);
  for (std::size_t p = 0; p < index.size(); ++p) {
    if (index.is_deleted(p)) exact.mark_deleted(p);
  }
  const SearchResult r = exact.search(queries_.data(), positions_.size(), k_ + 1, {0, threads_});
  for (std::size_t q = 0; q < positions_.size(); ++q) {
    truth_.push_back(others(r, q, std::int64_t(positions_[q]), k_));
    // The k-th other neighbour's distance: slot k when the query found itself first, else k - 1.
    std::size_t slot = 0;
    for (std::size_t seen = 0; slot < r.found(q); ++slot) {
      if (r.position(q, slot) != std::int64_t(positions_[q]) && ++seen == k_) break;
    }
    kth_.push_back(r.distance(q, std::min(slot, r.found(q) - 1)));
  }
}

double RecallProbe::recall_at(std::size_t ef, std::size_t queries) const {
  const std::size_t nq = std::min(queries, positions_.size());
  // An HNSW graph is searched without each query's own node: see HnswIndex::search_left_out.
  const auto* hnsw = dynamic_cast<const HnswIndex*>(&index_);
  const SearchResult r = hnsw != nullptr
                             ? hnsw->search_left_out(queries_.data(), positions_.data(), nq, k_ + 1, {ef, threads_})
                             : index_.search(queries_.data(), nq, k_ + 1, {ef, threads_});
  std::size_t hits = 0, wanted = 0;
  for (std::size_t q = 0; q < nq; ++q) {
    const std::vector<std::int64_t>& want = truth_[q];
    wanted += want.size();
    std::size_t taken = 0;
    for (std::size_t j = 0; j < r.found(q) && taken < want.size(); ++j) {
      if (r.position(q, j) == std::int64_t(positions_[q])) continue;
      ++taken;
      const bool listed = std::find(want.begin(), want.end(), r.position(q, j)) != want.end();
      // As close as the exact k-th (to float rounding: the approximate distances are hnswlib's).
      const float d = r.distance(q, j);
      const bool tied = d <= kth_[q] + 1e-6f * std::max(1.0f, std::fabs(kth_[q]));
      hits += (listed || tied) ? 1 : 0;
    }
  }
  return wanted == 0 ? 1.0 : double(hits) / double(wanted);
}

RecallRecord tune_ef(const RecallProbe& probe, double target, std::size_t& ef) {
  if (!(target > 0 && target <= 1)) throw std::invalid_argument("tune_ef: target outside (0, 1]");
  RecallRecord record;
  record.target = target;
  record.k = probe.k();
  record.sample = probe.sample();
  record.items = probe.live();
  // Past the live items, a larger ef finds nothing more.
  const std::size_t cap = std::min(kMaxEf, std::max(probe.k() + 1, probe.live()));
  // The search for ef runs on the first kCoarseQueries of the sample (a weak graph can need an ef
  // in the thousands, where each measurement costs seconds), to within 1/kResolution of the ef
  // found; the whole sample then checks it, and ef steps up by that resolution while it falls
  // short (the smaller sample's noise).
  constexpr std::size_t kCoarseQueries = 250;
  constexpr std::size_t kResolution = 16;
  const auto coarse = [&](std::size_t e) { return probe.recall_at(e, kCoarseQueries); };
  std::size_t low = 0;  // the largest ef known to fall short (0: none tried)
  std::size_t high = std::max<std::size_t>(probe.k(), 8);
  while (coarse(high) < target && high < cap) {
    low = high;
    high = std::min(cap, 2 * high);
  }
  while (low > 0 && high - low > std::max<std::size_t>(1, high / kResolution)) {
    const std::size_t mid = low + (high - low) / 2;
    (coarse(mid) >= target ? high : low) = mid;
  }
  double at_high = probe.recall_at(high);
  while (at_high < target && high < cap) {
    high = std::min(cap, high + std::max<std::size_t>(1, high / kResolution));
    at_high = probe.recall_at(high);
  }
  ef = high;
  record.recall = at_high;
  record.reached = at_high >= target;
  return record;
}

}  // namespace sim
