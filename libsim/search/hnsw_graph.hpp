// The HNSW graph algorithm over hnswlib's own memory layout: hnswlib's searchKnn, addPoint and
// neighbour heuristic, reorganised for speed with the same results (each part says how), plus how
// a graph is made (its space, sim's distance kernels, huge pages). HnswIndex (hnsw_index.hpp) is
// the facade over it; hnsw_graph_file.hpp writes and reads it.
//
// Private to search/hnsw_index.cpp, the one translation unit that includes hnswlib.
#pragma once

#ifndef SIM_HNSWLIB_TRANSLATION_UNIT
#error \
    "this header includes hnswlib, whose 0.6.2 headers define non-inline globals: only search/hnsw_index.cpp may include it"
#endif

#include <hnswlib/hnswlib.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include "base/distance.hpp"
#include "base/mapped_file.hpp"
#include "search/binary_heap.hpp"
#include "search/distance_kernels.hpp"
#include "search/hnsw_index.hpp"
#include "search/scalar_quantizer.hpp"

namespace sim {

// The hnswlib space serving distance `d`; throws UsageError (from hnsw_mapping) for the others.
inline std::unique_ptr<hnswlib::SpaceInterface<float>> make_hnsw_space(Distance d, std::size_t dim) {
  if (hnsw_mapping(d).space == HnswSpace::L2) return std::make_unique<hnswlib::L2Space>(dim);
  return std::make_unique<hnswlib::InnerProductSpace>(dim);
}

// Gives the graph sim's kernels (distance_kernels.hpp) where this build has them. hnswlib calls
// fstdistfunc_ for every distance, so this is the whole switch; the file format is unchanged.
inline void use_fast_kernels(hnswlib::HierarchicalNSW<float>& h, Distance d) {
  const RawDistance fast = hnsw_mapping(d).space == HnswSpace::L2 ? fast_l2_squared() : fast_inner_product_distance();
  if (fast) h.fstdistfunc_ = fast;
}

// An empty hnswlib graph of `capacity` elements with `p`'s M, ef_construction and query ef, its
// level generator seeded with `seed`, and sim's kernels for distance `d`.
inline std::unique_ptr<hnswlib::HierarchicalNSW<float>> new_graph(hnswlib::SpaceInterface<float>* space,
                                                                  std::size_t capacity, const HnswParams& p,
                                                                  std::size_t seed, Distance d) {
  auto h = std::make_unique<hnswlib::HierarchicalNSW<float>>(space, capacity, p.m, p.ef_construction, seed);
  h->metric_distance_computations = 0;  // hnswlib 0.6.2 leaves its counters uninitialised
  h->metric_hops = 0;
  h->setEf(p.ef);
  use_fast_kernels(*h, d);
  return h;
}

// Moves hnswlib's level-0 block (every element's links, vector and label, one record each) into
// memory backed by transparent huge pages. A search reads one record per hop in no predictable
// order: with 4 KiB pages nearly every hop also misses the TLB once the block outgrows what the
// TLB maps (a few MB); 2 MiB pages map the whole block in a few dozen entries. hnswlib (and its
// Python bindings) malloc the block, which Debian's kernels back with huge pages only when asked
// (transparent_hugepage=madvise). Called before the block is written to where possible (a new
// graph: after each resize; a loaded one: before it is read), else it copies what is there. Best
// effort: if the aligned allocation fails, the block stays where it is.
inline void use_huge_pages(hnswlib::HierarchicalNSW<float>& h) {
  constexpr std::size_t kHugePage = std::size_t(2) << 20;
  const std::size_t bytes = h.max_elements_ * h.size_data_per_element_;
  if (bytes < kHugePage) return;
  const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* block = nullptr;
  if (posix_memalign(&block, kHugePage, rounded) != 0) return;
  ::madvise(block, rounded, MADV_HUGEPAGE);  // advice only: without THP, ordinary pages
  std::memcpy(block, h.data_level0_memory_, h.cur_element_count * h.size_data_per_element_);
  std::free(h.data_level0_memory_);  // hnswlib frees and reallocs the block itself: same allocator
  h.data_level0_memory_ = static_cast<char*>(block);
}

// Where descend and search_level get their distances: an element's full vector, with the graph's
// own kernel (FullDistance), or its code (CodeDistance, for a quantised graph's searches). Each
// also prefetches every cache line the distance will read.
struct FullDistance {
  const hnswlib::HierarchicalNSW<float>& h;
  const float* query;
  float operator()(hnswlib::tableint id) const {
    return h.fstdistfunc_(query, h.getDataByInternalId(id), h.dist_func_param_);
  }
  void prefetch(hnswlib::tableint id) const {
    const char* v = h.getDataByInternalId(id);
    for (std::size_t line = 0; line < h.data_size_; line += 64) __builtin_prefetch(v + line);
    __builtin_prefetch(v + h.data_size_ - 1);
  }
};
struct CodeDistance {
  const ScalarCodes& codes;
  const ScalarCodes::Query& query;
  float operator()(hnswlib::tableint id) const { return query.distance(codes.code(id)); }
  void prefetch(hnswlib::tableint id) const {
    const std::uint8_t* c = codes.code(id);
    for (std::size_t line = 0; line < codes.stride(); line += 64) __builtin_prefetch(c + line);
  }
};

struct HnswIndex::Graph {
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
  bool normalize = false;
  // A quantised graph's codes (sim-index --quantize), by internal id; null when not quantised.
  std::unique_ptr<ScalarCodes> codes;
  // A graph whose level 0 is its file's, mapped (HnswIndex::map): searched in place, never
  // changed. Its records were not checked when it was opened, so searches check what they read
  // there (a neighbour count beyond the list, a neighbour id or label beyond the elements, a
  // distance that is NaN: a damaged file, or one changed under its reader) and set `corrupt`
  // instead of reading out of bounds; search_among then throws.
  std::unique_ptr<MappedFile> mapping;
  mutable std::atomic<bool> corrupt{false};
  ~Graph() {
    if (mapping && hnsw) hnsw->data_level0_memory_ = nullptr;  // the mapping's, not hnswlib's to free
  }

  // An element's label (the item's position), checked on a mapped graph (corrupt: 0).
  hnswlib::labeltype label_of(hnswlib::tableint id) const {
    const hnswlib::labeltype label = hnsw->getExternalLabel(id);
    if (mapping && label >= hnsw->cur_element_count) {
      corrupt.store(true, std::memory_order_relaxed);
      return 0;
    }
    return label;
  }

  using Ranked = std::pair<float, hnswlib::tableint>;
  // hnswlib's heap of (distance, id), farthest on top, ties where hnswlib's std::priority_queue
  // puts them (binary_heap.hpp).
  using Heap = BinaryHeap<Ranked, hnswlib::HierarchicalNSW<float>::CompareByFirst>;

  // hnswlib's searchKnn, minus two things: it reads ef from the index (one ef for all callers) and
  // counts hops and distance computations in two atomics every search thread writes to. The graph
  // walk itself is hnswlib's: the greedy descent of the upper levels, then search_level.
  // Returns (raw distance, label) pairs, at least the k closest found, at most max(ef, k), in no
  // particular order. A quantised graph walks over the codes, then measures the candidates the
  // walk kept (max(ef, k) of them) again on their full vectors (rerank): the distances returned
  // are exact, and so is their order wherever the true neighbours are among the candidates.
  void knn(const float* query, std::size_t k, std::size_t ef, std::vector<std::pair<float, hnswlib::labeltype>>& out,
           hnswlib::tableint absent = kNoElement) const {
    out.clear();
    const auto& h = *hnsw;
    if (h.cur_element_count == 0) return;
    const FullDistance full{h, query};
    if (!codes) {
      Heap top = walk(full, std::max(ef, k), absent);
      while (top.size() > k) top.pop();
      for (; !top.empty(); top.pop()) out.emplace_back(top.top().first, label_of(top.top().second));
      return;
    }
    const ScalarCodes::Query prepared(*codes, query);
    Heap top = walk(CodeDistance{*codes, prepared}, std::max(ef, k), absent);
    rerank(top.elements(), full, k, out);
  }

  // Measures `candidates` (code distances) again on their full vectors, closest code first, and
  // stops where the next code's distance proves it no closer than the k-th exact distance so far:
  // a code lies within e = codes->max_error() of its vector, so a query's euclidean distance to
  // the vector is at least its distance to the code minus e (for the inner-product space, 1 - dot
  // is at least the code's minus |query| e). Nothing that could be among the k nearest candidates
  // is skipped.
  void rerank(std::vector<Ranked>& candidates, const FullDistance& full, std::size_t k,
              std::vector<std::pair<float, hnswlib::labeltype>>& out) const {
    std::sort(candidates.begin(), candidates.end());
    const bool inner_product = codes->inner_product();
    float slack = codes->max_error();
    if (inner_product) {
      float norm = 0;
      for (std::size_t i = 0; i < codes->dim(); ++i) norm += full.query[i] * full.query[i];
      slack *= std::sqrt(norm) * 1.001f;
    }
    // The lowest exact distance a code distance allows (a little lower still: float rounding).
    const auto lowest = [&](float coded) {
      if (inner_product) return coded - slack - 1e-5f * std::fabs(coded);
      const float d = std::sqrt(std::max(coded, 0.0f)) * (1 - 1e-5f) - slack;
      return d > 0 ? d * d : 0.0f;
    };
    thread_local BinaryHeap<float, std::less<float>> kth;  // the k smallest exact distances, largest on top
    kth.elements().clear();
    constexpr std::size_t kAhead = 8;  // vectors prefetched ahead of the one measured
    for (std::size_t i = 0; i < candidates.size() && i < kAhead; ++i) full.prefetch(candidates[i].second);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (kth.size() == k && lowest(candidates[i].first) > kth.top()) break;
      if (i + kAhead < candidates.size()) full.prefetch(candidates[i + kAhead].second);
      const float d = full(candidates[i].second);
      if (mapping && std::isnan(d)) corrupt.store(true, std::memory_order_relaxed);
      out.emplace_back(d, label_of(candidates[i].second));
      if (kth.size() < k) {
        kth.emplace(d);
      } else if (d < kth.top()) {
        kth.pop();
        kth.emplace(d);
      }
    }
  }

  // The search of knn: the greedy descent, then the best-first search of level 0.
  template <class Dist>
  Heap walk(const Dist& dist, std::size_t ef, hnswlib::tableint absent) const {
    const auto& h = *hnsw;
    const hnswlib::tableint current = descend<false>(dist, h.enterpoint_node_, h.maxlevel_, 0, absent);
    return h.num_deleted_ ? search_level<true, false>(current, dist, ef, 0, absent)
                          : search_level<false, false>(current, dist, ef, 0, absent);
  }

  // No element: knn's `absent` when the whole graph is searched.
  static constexpr hnswlib::tableint kNoElement = std::numeric_limits<hnswlib::tableint>::max();

  // The greedy descent of the upper levels (hnswlib's searchKnn and addPoint): from `current` on
  // level `top` down to level `bottom` + 1, moving on each level to the closest neighbour until none
  // is closer. Insertion (kLocked) reads each list under its lock. Returns where it ends. The
  // element `absent` (never the entry point) is passed over, as if it were not in the graph: the
  // leave-one-out searches of recall measurement (HnswIndex::search_left_out).
  template <bool kLocked, class Dist>
  hnswlib::tableint descend(const Dist& dist, hnswlib::tableint current, int top, int bottom,
                            hnswlib::tableint absent = kNoElement) const {
    auto& h = *hnsw;
    float best = dist(current);
    for (int level = top; level > bottom; --level) {
      for (bool changed = true; changed;) {
        changed = false;
        std::unique_lock<std::mutex> lock;
        if (kLocked) lock = std::unique_lock<std::mutex>(h.link_list_locks_[current]);
        auto* list = h.get_linklist(current, level);
        const auto* links = reinterpret_cast<const hnswlib::tableint*>(list + 1);
        for (int i = 0, size = h.getListCount(list); i < size; ++i) {
          if (links[i] == absent) continue;
          const float d = dist(links[i]);
          if (d < best) {
            best = d;
            current = links[i];
            changed = true;
          }
        }
      }
    }
    return current;
  }

  // The best-first search of one level, as hnswlib's searchBaseLayerST (queries: kLocked false,
  // level 0) and searchBaseLayer (insertion: kLocked, kHasDeletions true, any level) do it: the
  // same nodes expanded in the same order, the same results. Reorganised for memory: hnswlib
  // computes each neighbour's distance as soon as it finds it unvisited, having prefetched the
  // first cache line of the next neighbour's vector, so about one miss is in flight at a time.
  // Here a node's unvisited neighbours are gathered first, every line of each one's vector is
  // prefetched, and only then are the distances computed, so the misses overlap; the decisions are
  // then taken neighbour by neighbour in list order, as hnswlib takes them. Insertion reads a list
  // under its lock (other threads link to it), but no longer holds the lock while computing. With
  // deletions, deleted elements are walked through but never returned. The element `absent` is
  // neither walked through nor returned (descend).
  template <bool kHasDeletions, bool kLocked, class Dist>
  Heap search_level(hnswlib::tableint entry, const Dist& dist, std::size_t ef, int level,
                    hnswlib::tableint absent = kNoElement) const {
    auto& h = *hnsw;
    hnswlib::VisitedList* visited_list = h.visited_list_pool_->getFreeVisitedList();
    hnswlib::vl_type* visited = visited_list->mass;
    const hnswlib::vl_type tag = visited_list->curV;
    if (absent != kNoElement) visited[absent] = tag;  // as if seen already: never expanded, never kept
    const bool checked = mapping != nullptr;
    thread_local std::vector<hnswlib::tableint> fresh;
    thread_local std::vector<float> distances;
    fresh.resize(std::max(h.maxM0_, h.maxM_));
    distances.resize(fresh.size());

    // The candidates' storage is kept from one search to the next: it grows to thousands.
    thread_local std::vector<Ranked> candidate_storage;
    Heap top, candidates;
    top.elements().reserve(ef + 1);
    candidate_storage.clear();
    candidates.elements().swap(candidate_storage);
    float bound = std::numeric_limits<float>::max();
    if (!kHasDeletions || !h.isMarkedDeleted(entry)) {
      bound = dist(entry);
      top.emplace(bound, entry);
    }
    candidates.emplace(-bound, entry);
    visited[entry] = tag;
    while (!candidates.empty()) {
      const Ranked next = candidates.top();
      if (-next.first > bound && (top.size() == ef || !kHasDeletions)) break;
      candidates.pop();
      std::size_t n = 0;
      {
        std::unique_lock<std::mutex> lock;
        if (kLocked) lock = std::unique_lock<std::mutex>(h.link_list_locks_[next.second]);
        auto* list = h.get_linklist_at_level(next.second, level);
        std::size_t size = h.getListCount(list);
        if (checked && size > h.maxM0_) {
          size = h.maxM0_;
          corrupt.store(true, std::memory_order_relaxed);
        }
        const auto* links = reinterpret_cast<const hnswlib::tableint*>(list + 1);
        for (std::size_t j = 0; j < size; ++j) __builtin_prefetch(visited + links[j]);  // never faults
        for (std::size_t j = 0; j < size; ++j) {
          const hnswlib::tableint id = links[j];
          if (checked && id >= h.cur_element_count) {
            corrupt.store(true, std::memory_order_relaxed);
            continue;
          }
          if (visited[id] == tag) continue;
          visited[id] = tag;
          fresh[n++] = id;
          dist.prefetch(id);
        }
      }
      for (std::size_t i = 0; i < n; ++i) {
        distances[i] = dist(fresh[i]);
      }
      for (std::size_t i = 0; i < n; ++i) {
        const float d = distances[i];
        if (checked && std::isnan(d)) {  // a vector holds NaN: the file was changed or damaged
          corrupt.store(true, std::memory_order_relaxed);
          continue;
        }
        if (top.size() < ef || bound > d) {
          candidates.emplace(-d, fresh[i]);
          if (!kHasDeletions || !h.isMarkedDeleted(fresh[i])) top.emplace(d, fresh[i]);
          if (top.size() > ef) top.pop();
          if (!top.empty()) bound = top.top().first;
        }
      }
      if (!candidates.empty()) {  // the node expanded next: its link list, and the lock taken to read it
        const hnswlib::tableint following = candidates.top().second;
        if (level == 0) __builtin_prefetch(h.data_level0_memory_ + std::size_t(following) * h.size_data_per_element_);
        // The locks are an array of their own (hnswlib's link_list_locks_): each lock taken is
        // otherwise a cache miss of its own, before the atomic that takes it.
        if (kLocked) __builtin_prefetch(&h.link_list_locks_[following], 1);
      }
    }
    h.visited_list_pool_->releaseVisitedList(visited_list);
    candidates.elements().swap(candidate_storage);
    return top;
  }

  // hnswlib's addPoint for a new label (HnswIndex::replace, which may revive a deleted label,
  // still calls addPoint), with the same locks in the same order, but search_level for its
  // searches, connect for its linking, and the level drawn under a lock (hnswlib draws it
  // unlocked from a generator all inserting threads share). One thread builds exactly the graph
  // addPoint builds (a test compares the files), but for one case: when a level's search reaches
  // only deleted elements, hnswlib links to whatever back() of an empty vector holds (undefined
  // behaviour); here that level gets no links.
  void insert(const float* v, hnswlib::labeltype label) {
    auto& h = *hnsw;
    hnswlib::tableint cur = 0;
    {
      std::lock_guard<std::mutex> lock(h.cur_element_count_guard_);
      if (h.cur_element_count >= h.max_elements_) throw std::logic_error("HnswIndex: insertion beyond capacity");
      cur = hnswlib::tableint(h.cur_element_count++);
      h.label_lookup_[label] = cur;
    }
    std::lock_guard<std::mutex> update_lock(
        h.link_list_update_locks_[cur & (hnswlib::HierarchicalNSW<float>::max_update_element_locks - 1)]);
    std::lock_guard<std::mutex> element_lock(h.link_list_locks_[cur]);
    int level = 0;
    {
      std::lock_guard<std::mutex> lock(level_mutex);
      level = h.getRandomLevel(h.mult_);
    }
    h.element_levels_[cur] = level;
    std::unique_lock<std::mutex> top_lock(h.global);  // kept only by an element that becomes the top
    const int top_level = h.maxlevel_;
    if (level <= top_level) top_lock.unlock();
    const hnswlib::tableint entry = h.enterpoint_node_;

    char* record = h.data_level0_memory_ + std::size_t(cur) * h.size_data_per_element_;
    std::memset(record, 0, h.size_data_per_element_);
    std::memcpy(h.getExternalLabeLp(cur), &label, sizeof label);
    std::memcpy(h.getDataByInternalId(cur), v, h.data_size_);
    if (codes) codes->encode(cur, v);  // add() reserved the room
    if (level > 0) {
      const std::size_t bytes = h.size_links_per_element_ * std::size_t(level) + 1;
      h.linkLists_[cur] = static_cast<char*>(std::malloc(bytes));
      if (h.linkLists_[cur] == nullptr) throw std::bad_alloc();
      std::memset(h.linkLists_[cur], 0, bytes);
    }

    if (static_cast<int>(entry) == -1) {  // the first element
      h.enterpoint_node_ = 0;
      h.maxlevel_ = level;
      return;
    }
    hnswlib::tableint current = entry;
    const FullDistance full{h, v};
    if (level < top_level) current = descend<true>(full, current, top_level, level);  // to the new element's top level
    const bool entry_deleted = h.isMarkedDeleted(entry);
    for (int l = std::min(level, top_level); l >= 0; --l) {
      Heap top = search_level<true, true>(current, full, h.ef_construction_, l);
      if (entry_deleted) {
        top.emplace(full(entry), entry);
        if (top.size() > h.ef_construction_) top.pop();
      }
      if (top.empty()) continue;  // all this search reached is deleted: no links on this level
      current = connect(cur, top, l);
    }
    if (level > top_level) {
      h.enterpoint_node_ = cur;
      h.maxlevel_ = level;
    }
  }
  std::mutex level_mutex;

  // hnswlib's label_lookup_ (label -> internal id) is read only by changes (its addPoint and
  // markDelete; insert adds to it). A loaded graph builds it for its first change, not in every
  // search process: a million entries took a tenth of a one-query sim-query on a 1M index.
  bool labels_indexed = true;
  void index_labels() {
    if (labels_indexed) return;
    auto& h = *hnsw;
    h.label_lookup_.reserve(h.cur_element_count);
    for (std::size_t i = 0; i < h.cur_element_count; ++i) {
      h.label_lookup_[h.getExternalLabel(hnswlib::tableint(i))] = hnswlib::tableint(i);
    }
    labels_indexed = true;
  }

  // hnswlib's getNeighborsByHeuristic2, with the same result: of `top`'s elements (distances to
  // some point p), visited closest first (equal distances: higher id first), each is kept unless a
  // kept one is closer to it than p is, until m are kept; `top` then holds the kept ones, pushed
  // in that order. Fewer than m elements are all kept, `top` untouched. hnswlib pops every
  // element of `top` into a second heap of (-distance, id) pairs to visit them in that order;
  // here that heap holds one integer per element that sorts as the pair does (visit_key), and
  // only the visited ones are popped. The order is a total one (ids differ), so the visits are
  // the same whatever way the heap was built.
  void prune(Heap& top, std::size_t m) const {
    if (top.size() < m) return;
    const auto& h = *hnsw;
    thread_local BinaryHeap<std::uint64_t, std::greater<std::uint64_t>> closest;  // the smallest key on top
    thread_local std::vector<Ranked> kept;
    closest.elements().clear();
    for (const Ranked& r : top.elements()) closest.emplace(visit_key(r));
    kept.clear();
    for (; !closest.empty() && kept.size() < m; closest.pop()) {
      const Ranked next = ranked_of(closest.top());
      const char* next_vector = h.getDataByInternalId(next.second);
      const bool dominated = std::any_of(kept.begin(), kept.end(), [&](const Ranked& k) {
        return h.fstdistfunc_(h.getDataByInternalId(k.second), next_vector, h.dist_func_param_) < next.first;
      });
      if (!dominated) kept.push_back(next);
    }
    top = Heap();
    for (const Ranked& k : kept) top.emplace(k);
  }

  // A (distance, id) pair as one integer that sorts by distance, then by id the other way round:
  // the float's bits made to sort as the float does (negatives flipped whole, others their sign
  // bit set) above the id's complement. Inputs are finite, but an inner product of vectors near
  // float's range can overflow to NaN: its key sorts before or after every number, by its sign
  // bit (hnswlib's pairs have no order for it either).
  static std::uint64_t visit_key(const Ranked& r) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &r.first, sizeof bits);
    if (bits == 0x80000000u) bits = 0;  // -0 is 0, as the pair compares them
    bits = (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
    return (std::uint64_t(bits) << 32) | std::uint32_t(~r.second);
  }
  static Ranked ranked_of(std::uint64_t key) {
    std::uint32_t bits = std::uint32_t(key >> 32);
    bits = (bits & 0x80000000u) ? (bits & 0x7FFFFFFFu) : ~bits;
    float distance = 0;
    std::memcpy(&distance, &bits, sizeof distance);
    return {distance, hnswlib::tableint(~std::uint32_t(key))};
  }

  // hnswlib's mutuallyConnectNewElement for a new element on `level`, with prune for its
  // heuristic: the new element links to what prune keeps of `top` (its search's result, emptied
  // here), and each of those links back, pruning its own list the same way when it is full, under
  // its lock. The same links in the same order. Returns the closest neighbour, where the next
  // level's search starts.
  hnswlib::tableint connect(hnswlib::tableint cur, Heap& top, int level) {
    auto& h = *hnsw;
    prune(top, h.M_);
    thread_local std::vector<hnswlib::tableint> selected;
    selected.clear();
    for (; !top.empty(); top.pop()) selected.push_back(top.top().second);

    hnswlib::linklistsizeint* own = h.get_linklist_at_level(cur, level);  // under the lock insert holds
    h.setListCount(own, static_cast<unsigned short>(selected.size()));
    std::copy(selected.begin(), selected.end(), reinterpret_cast<hnswlib::tableint*>(own + 1));

    const std::size_t capacity = level == 0 ? h.maxM0_ : h.maxM_;
    const char* cur_vector = h.getDataByInternalId(cur);
    for (const hnswlib::tableint other : selected) {
      std::lock_guard<std::mutex> lock(h.link_list_locks_[other]);
      hnswlib::linklistsizeint* list = h.get_linklist_at_level(other, level);
      auto* links = reinterpret_cast<hnswlib::tableint*>(list + 1);
      const std::size_t size = h.getListCount(list);
      if (size < capacity) {
        links[size] = cur;
        h.setListCount(list, static_cast<unsigned short>(size + 1));
        continue;
      }
      const char* other_vector = h.getDataByInternalId(other);
      Heap candidates;
      candidates.emplace(h.fstdistfunc_(cur_vector, other_vector, h.dist_func_param_), cur);
      for (std::size_t j = 0; j < size; ++j) {
        candidates.emplace(h.fstdistfunc_(h.getDataByInternalId(links[j]), other_vector, h.dist_func_param_), links[j]);
      }
      prune(candidates, capacity);
      std::size_t kept = 0;
      for (; !candidates.empty(); candidates.pop()) links[kept++] = candidates.top().second;
      h.setListCount(list, static_cast<unsigned short>(kept));
    }
    return selected.back();
  }

  // Makes (or drops, for None) the codes of every element, sq8's range fitted to the vectors held.
  void quantize(Quantization kind, Distance d) {
    if (kind == Quantization::None) {
      codes.reset();
      return;
    }
    const auto& h = *hnsw;
    auto made = std::make_unique<ScalarCodes>(kind, h.data_size_ / sizeof(float),
                                              hnsw_mapping(d).space == HnswSpace::InnerProduct);
    made->fit(h.data_level0_memory_ + h.offsetData_, h.size_data_per_element_, h.cur_element_count);
    made->reserve(h.max_elements_);
    for (hnswlib::tableint id = 0; id < h.cur_element_count; ++id) {
      made->encode(id, reinterpret_cast<const float*>(h.getDataByInternalId(id)));
    }
    codes = std::move(made);
  }

  // A vector as hnswlib must see it: normalised copy for cosine, the caller's data otherwise.
  const float* prepare(const float* v, std::size_t dim, std::vector<float>& scratch) const {
    if (!normalize) return v;
    scratch.assign(v, v + dim);
    l2_normalize(scratch.data(), dim);
    return scratch.data();
  }
};

}  // namespace sim
