// The one translation unit that includes hnswlib (its 0.6.2 headers define non-inline globals).
// Also home of hnsw_space.hpp's functions, for the same reason.
#include "search/hnsw_index.hpp"

#include <hnswlib/hnswlib.h>
#include <sys/mman.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <mutex>
#include <new>
#include <stdexcept>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "base/parallel.hpp"
#include "base/version_config.hpp"
#include "search/binary_heap.hpp"
#include "search/distance_kernels.hpp"
#include "search/hnsw_file.hpp"
#include "search/hnsw_space.hpp"

namespace sim {
namespace {

// A new graph's capacity: kInitialCapacity elements, but no more than fit in kInitialBytes.
// hnswlib allocates the whole capacity up front, and load() constructs an index from a sidecar's
// dim (up to 2^24) before its hnswlib file is checked: 1024 elements of a corrupt dim were 64 GiB.
// add() grows the capacity by doubling.
constexpr std::size_t kInitialCapacity = 1024;
constexpr std::size_t kInitialBytes = std::size_t(16) << 20;

std::size_t initial_capacity(std::size_t dim, std::size_t m) {
  const std::size_t element_bytes = (2 * m + 1) * 4 + 4 * dim + 8;  // hnswlib's level-0 record
  return std::clamp<std::size_t>(kInitialBytes / element_bytes, 1, kInitialCapacity);
}

constexpr std::uint64_t kMaxItems = std::numeric_limits<std::uint32_t>::max();  // hnswlib's tableint
constexpr std::size_t kMaxEf = 1000000;

// The hnswlib space serving distance `d`; throws UsageError (from hnsw_mapping) for the others.
std::unique_ptr<hnswlib::SpaceInterface<float>> make_hnsw_space(Distance d, std::size_t dim) {
  if (hnsw_mapping(d).space == HnswSpace::L2) return std::make_unique<hnswlib::L2Space>(dim);
  return std::make_unique<hnswlib::InnerProductSpace>(dim);
}

// Gives the graph sim's kernels (distance_kernels.hpp) where this build has them. hnswlib calls
// fstdistfunc_ for every distance, so this is the whole switch; the file format is unchanged.
void use_fast_kernels(hnswlib::HierarchicalNSW<float>& h, Distance d) {
  const RawDistance fast = hnsw_mapping(d).space == HnswSpace::L2 ? fast_l2_squared() : fast_inner_product_distance();
  if (fast) h.fstdistfunc_ = fast;
}

// An empty hnswlib graph of `capacity` elements with `p`'s M, ef_construction and query ef, its
// level generator seeded with `seed`, and sim's kernels for distance `d`.
std::unique_ptr<hnswlib::HierarchicalNSW<float>> new_graph(hnswlib::SpaceInterface<float>* space, std::size_t capacity,
                                                          const HnswParams& p, std::size_t seed, Distance d) {
  auto h = std::make_unique<hnswlib::HierarchicalNSW<float>>(space, capacity, p.m, p.ef_construction, seed);
  h->metric_distance_computations = 0;  // hnswlib 0.6.2 leaves its counters uninitialised
  h->metric_hops = 0;
  h->setEf(p.ef);
  use_fast_kernels(*h, d);
  return h;
}

// The order in which write() lays the elements out: breadth first over level 0 from the entry
// point, so that an element's neighbours sit near it in memory (new position -> internal id).
// A search touches one vector per hop in no predictable order, and at 64 dimensions it is bound by
// those cache and TLB misses; neighbours stored close together miss less (Coleman et al., "Graph
// Reordering for Cache-Efficient Near Neighbor Search", 2022, measured this for HNSW). The graph
// itself, and so every search result, is unchanged. Elements no link reaches go last, in order.
std::vector<hnswlib::tableint> locality_order(const hnswlib::HierarchicalNSW<float>& h) {
  const std::size_t n = h.cur_element_count;
  std::vector<hnswlib::tableint> order;
  order.reserve(n);
  std::vector<bool> placed(n, false);
  const auto visit_from = [&](hnswlib::tableint start) {
    placed[start] = true;
    order.push_back(start);
    for (std::size_t next = order.size() - 1; next < order.size(); ++next) {
      hnswlib::linklistsizeint* list = h.get_linklist0(order[next]);
      const auto* links = reinterpret_cast<const hnswlib::tableint*>(list + 1);
      for (int i = 0, size = h.getListCount(list); i < size; ++i) {
        if (!placed[links[i]]) {
          placed[links[i]] = true;
          order.push_back(links[i]);
        }
      }
    }
  };
  if (n > 0) visit_from(h.enterpoint_node_);
  for (std::size_t i = 0; i < n; ++i) {
    if (!placed[i]) visit_from(hnswlib::tableint(i));
  }
  return order;
}

// Moves hnswlib's level-0 block (every element's links, vector and label, one record each) into
// memory backed by transparent huge pages. A search reads one record per hop in no predictable
// order: with 4 KiB pages nearly every hop also misses the TLB once the block outgrows what the
// TLB maps (a few MB); 2 MiB pages map the whole block in a few dozen entries. hnswlib (and its
// Python bindings) malloc the block, which Debian's kernels back with huge pages only when asked
// (transparent_hugepage=madvise). Called before the block is written to where possible (a new
// graph: after each resize; a loaded one: before it is read), else it copies what is there. Best
// effort: if the aligned allocation fails, the block stays where it is.
void use_huge_pages(hnswlib::HierarchicalNSW<float>& h) {
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

// Fills an empty hnswlib graph of capacity N as check_hnsw_file reads the file: level 0 straight
// into the graph's block, upper lists into blocks malloc'ed as hnswlib's own loader does (its
// destructor frees them). check_hnsw_file has checked the header against the sidecar, from which
// the graph was made, so the record layout is the graph's own.
class GraphFiller final : public HnswFileSink {
 public:
  explicit GraphFiller(hnswlib::HierarchicalNSW<float>& h) : h_(h) {}
  unsigned char* level0(const HnswHeader& header) override {
    // From here the destructor visits N elements: each has level 0 until upper_levels says otherwise.
    h_.cur_element_count = header.count;
    std::fill_n(h_.linkLists_, header.count, nullptr);
    return reinterpret_cast<unsigned char*>(h_.data_level0_memory_);
  }
  void upper_levels(std::uint64_t element, const unsigned char* lists, std::uint32_t bytes) override {
    auto* copy = static_cast<char*>(std::malloc(bytes));
    if (copy == nullptr) throw std::bad_alloc();
    std::memcpy(copy, lists, bytes);
    h_.linkLists_[element] = copy;
    h_.element_levels_[element] = int(bytes / h_.size_links_per_element_);
  }

 private:
  hnswlib::HierarchicalNSW<float>& h_;
};

// Rewrites the `count` links of one list through new_id.
void renumber_links(hnswlib::linklistsizeint* list, const std::vector<hnswlib::tableint>& new_id,
                    const hnswlib::HierarchicalNSW<float>& h) {
  auto* links = reinterpret_cast<hnswlib::tableint*>(list + 1);
  for (int i = 0, size = h.getListCount(list); i < size; ++i) links[i] = new_id[links[i]];
}

// Buffered writes through an AtomicFile with a running CRC-32.
class StampedWriter {
 public:
  explicit StampedWriter(AtomicFile& out) : out_(out) { buffer_.reserve(kBuffer); }
  void write(const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t done = 0; done < size;) {  // zlib takes at most 4 GiB per call
      const std::size_t part = std::min<std::size_t>(size - done, std::size_t(1) << 30);
      crc_ = std::uint32_t(::crc32(crc_, p + done, uInt(part)));
      done += part;
    }
    size_ += size;
    if (buffer_.size() + size > kBuffer) flush();
    if (size >= kBuffer) {
      out_.write(p, size);
    } else {
      buffer_.insert(buffer_.end(), p, p + size);
    }
  }
  template <typename T>
  void pod(const T& value) {
    write(&value, sizeof value);
  }
  HnswFileStamp finish() {
    flush();
    return {size_, crc_};
  }

 private:
  static constexpr std::size_t kBuffer = std::size_t(1) << 20;
  void flush() {
    if (!buffer_.empty()) out_.write(buffer_.data(), buffer_.size());
    buffer_.clear();
  }
  AtomicFile& out_;
  std::vector<unsigned char> buffer_;
  std::uint64_t size_ = 0;
  std::uint32_t crc_ = std::uint32_t(::crc32(0, nullptr, 0));
};

}  // namespace

// --- hnsw_space.hpp ---------------------------------------------------------------------------------

float hnsw_distance(Distance d, const float* a, const float* b, std::size_t dim) {
  const auto space = make_hnsw_space(d, dim);
  std::vector<float> x(a, a + dim), y(b, b + dim);
  if (hnsw_mapping(d).normalize) {
    l2_normalize(x.data(), dim);
    l2_normalize(y.data(), dim);
  }
  const float raw = space->get_dist_func()(x.data(), y.data(), space->get_dist_func_param());
  return from_hnsw(d, raw);
}

std::string hnsw_simd() {
#if defined(USE_AVX512)
  return fast_l2_squared() ? "AVX512, sim's FMA kernels" : "AVX512";
#elif defined(USE_AVX)
  return "AVX";
#elif defined(USE_SSE)
  return "SSE";
#else
  return "none";
#endif
}

std::string hnswlib_version() { return std::string(SIM_HNSWLIB_VERSION) + ", " + hnsw_simd(); }

// --- HnswIndex ----------------------------------------------------------------------------------------

void validate_hnsw_params(const HnswParams& p) {
  if (p.m < 2 || p.m > kHnswMaxM) throw UsageError("must be from 2 to " + std::to_string(kHnswMaxM), "--M");
  if (p.ef_construction < 1 || p.ef_construction > kMaxEf) {
    throw UsageError("must be from 1 to " + std::to_string(kMaxEf), "--ef-construction");
  }
  if (p.ef < 1 || p.ef > kMaxEf) throw UsageError("must be from 1 to " + std::to_string(kMaxEf), "--ef");
}

struct HnswIndex::Graph {
  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
  bool normalize = false;

  // hnswlib's searchKnn, minus two things: it reads ef from the index (one ef for all callers) and
  // counts hops and distance computations in two atomics every search thread writes to. The graph
  // walk itself is hnswlib's: the greedy descent of the upper levels, then search_level.
  // Returns (raw distance, label) pairs, at most max(ef, k) of them, in no particular order.
  void knn(const float* query, std::size_t k, std::size_t ef,
           std::vector<std::pair<float, hnswlib::labeltype>>& out) const {
    out.clear();
    const auto& h = *hnsw;
    if (h.cur_element_count == 0) return;
    const hnswlib::tableint current = descend<false>(query, h.enterpoint_node_, h.maxlevel_, 0);
    auto top = h.num_deleted_ ? search_level<true, false>(current, query, std::max(ef, k), 0)
                              : search_level<false, false>(current, query, std::max(ef, k), 0);
    while (top.size() > k) top.pop();
    for (; !top.empty(); top.pop()) out.emplace_back(top.top().first, h.getExternalLabel(top.top().second));
  }

  // The greedy descent of the upper levels (hnswlib's searchKnn and addPoint): from `current` on
  // level `top` down to level `bottom` + 1, moving on each level to the closest neighbour until none
  // is closer. Insertion (kLocked) reads each list under its lock. Returns where it ends.
  template <bool kLocked>
  hnswlib::tableint descend(const float* query, hnswlib::tableint current, int top, int bottom) const {
    auto& h = *hnsw;
    float best = h.fstdistfunc_(query, h.getDataByInternalId(current), h.dist_func_param_);
    for (int level = top; level > bottom; --level) {
      for (bool changed = true; changed;) {
        changed = false;
        std::unique_lock<std::mutex> lock;
        if (kLocked) lock = std::unique_lock<std::mutex>(h.link_list_locks_[current]);
        auto* list = h.get_linklist(current, level);
        const auto* links = reinterpret_cast<const hnswlib::tableint*>(list + 1);
        for (int i = 0, size = h.getListCount(list); i < size; ++i) {
          const float d = h.fstdistfunc_(query, h.getDataByInternalId(links[i]), h.dist_func_param_);
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

  using Ranked = std::pair<float, hnswlib::tableint>;
  // hnswlib's heap of (distance, id), farthest on top, ties where hnswlib's std::priority_queue
  // puts them (binary_heap.hpp).
  using Heap = BinaryHeap<Ranked, hnswlib::HierarchicalNSW<float>::CompareByFirst>;

  // The best-first search of one level, as hnswlib's searchBaseLayerST (queries: kLocked false,
  // level 0) and searchBaseLayer (insertion: kLocked, kHasDeletions true, any level) do it: the
  // same nodes expanded in the same order, the same results. Reorganised for memory: hnswlib
  // computes each neighbour's distance as soon as it finds it unvisited, having prefetched the
  // first cache line of the next neighbour's vector, so about one miss is in flight at a time.
  // Here a node's unvisited neighbours are gathered first, every line of each one's vector is
  // prefetched, and only then are the distances computed, so the misses overlap; the decisions are
  // then taken neighbour by neighbour in list order, as hnswlib takes them. Insertion reads a list
  // under its lock (other threads link to it), but no longer holds the lock while computing. With
  // deletions, deleted elements are walked through but never returned.
  template <bool kHasDeletions, bool kLocked>
  Heap search_level(hnswlib::tableint entry, const float* query, std::size_t ef, int level) const {
    auto& h = *hnsw;
    hnswlib::VisitedList* visited_list = h.visited_list_pool_->getFreeVisitedList();
    hnswlib::vl_type* visited = visited_list->mass;
    const hnswlib::vl_type tag = visited_list->curV;
    thread_local std::vector<hnswlib::tableint> fresh;
    thread_local std::vector<float> distances;
    fresh.resize(std::max(h.maxM0_, h.maxM_));
    distances.resize(fresh.size());
    const std::size_t vector_bytes = h.data_size_;

    // The candidates' storage is kept from one search to the next: it grows to thousands.
    thread_local std::vector<Ranked> candidate_storage;
    Heap top, candidates;
    top.elements().reserve(ef + 1);
    candidate_storage.clear();
    candidates.elements().swap(candidate_storage);
    float bound = std::numeric_limits<float>::max();
    if (!kHasDeletions || !h.isMarkedDeleted(entry)) {
      bound = h.fstdistfunc_(query, h.getDataByInternalId(entry), h.dist_func_param_);
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
        const std::size_t size = h.getListCount(list);
        const auto* links = reinterpret_cast<const hnswlib::tableint*>(list + 1);
        for (std::size_t j = 0; j < size; ++j) __builtin_prefetch(visited + links[j]);
        for (std::size_t j = 0; j < size; ++j) {
          const hnswlib::tableint id = links[j];
          if (visited[id] == tag) continue;
          visited[id] = tag;
          fresh[n++] = id;
          const char* v = h.getDataByInternalId(id);
          for (std::size_t line = 0; line < vector_bytes; line += 64) __builtin_prefetch(v + line);
          __builtin_prefetch(v + vector_bytes - 1);
        }
      }
      for (std::size_t i = 0; i < n; ++i) {
        distances[i] = h.fstdistfunc_(query, h.getDataByInternalId(fresh[i]), h.dist_func_param_);
      }
      for (std::size_t i = 0; i < n; ++i) {
        const float d = distances[i];
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
    if (level < top_level) current = descend<true>(v, current, top_level, level);  // to the new element's top level
    const bool entry_deleted = h.isMarkedDeleted(entry);
    for (int l = std::min(level, top_level); l >= 0; --l) {
      Heap top = search_level<true, true>(current, v, h.ef_construction_, l);
      if (entry_deleted) {
        top.emplace(h.fstdistfunc_(v, h.getDataByInternalId(entry), h.dist_func_param_), entry);
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

  // A vector as hnswlib must see it: normalised copy for cosine, the caller's data otherwise.
  const float* prepare(const float* v, std::size_t dim, std::vector<float>& scratch) const {
    if (!normalize) return v;
    scratch.assign(v, v + dim);
    l2_normalize(scratch.data(), dim);
    return scratch.data();
  }
};

HnswIndex::HnswIndex(Distance distance, std::size_t dim, const HnswParams& params)
    : Index(distance, dim), graph_(std::make_unique<Graph>()), params_(params) {
  validate_hnsw_params(params);
  if (dim == 0) throw std::invalid_argument("HnswIndex: dim must be at least 1");
  graph_->normalize = hnsw_mapping(distance).normalize;
  graph_->space = make_hnsw_space(distance, dim);
  graph_->hnsw = new_graph(graph_->space.get(), initial_capacity(dim, params.m), params, params.seed, distance);
}

HnswIndex::~HnswIndex() = default;

void HnswIndex::set_default_ef(std::size_t ef) {
  HnswParams p = params_;
  p.ef = ef;
  validate_hnsw_params(p);
  params_.ef = ef;
}

void HnswIndex::add(const float* vectors, std::size_t n, unsigned threads, const AddHints& hints) {
  if (n == 0) return;
  auto& h = *graph_->hnsw;
  const std::size_t first = size();
  if (std::uint64_t(first) + n > kMaxItems) {
    throw Error("", "", "an index holds at most " + std::to_string(kMaxItems) + " items");
  }
  if (first + n > h.max_elements_) {
    h.resizeIndex(std::min<std::size_t>(kMaxItems, std::max(first + n, 2 * h.max_elements_)));
    use_huge_pages(h);  // before the new elements are written
  }
  append_positions(n);
  changed();
  // Inserted in the vectors' order. (Inserting class by class was tried for memory locality: on
  // Fashion-MNIST's 10 classes it built 1.27x faster with the same recall, but on 1M vectors in
  // 1,000 clusters recall@10 stopped at 0.72 whatever the ef: clusters inserted one after another
  // are poorly linked to each other. The file is laid out for locality afterwards instead: write.)
  std::mutex progress_mutex;
  auto insert = [&](std::size_t begin, std::size_t end) {
    std::vector<float> scratch;
    for (std::size_t i = begin; i < end; ++i) {
      graph_->insert(graph_->prepare(vectors + i * dim_, dim_, scratch), hnswlib::labeltype(first + i));
    }
    if (hints.progress) {
      std::lock_guard<std::mutex> lock(progress_mutex);
      hints.progress(end - begin);
    }
  };
  // The very first element becomes the entry point: insert it alone, then the rest in parallel.
  std::size_t start = 0;
  if (first == 0) {
    insert(0, 1);
    start = 1;
  }
  // Small grabs: threads then finish together instead of one waiting on the other's last big chunk.
  constexpr std::size_t kInsertGrain = 256;
  parallel_for(n - start, threads, [&](std::size_t b, std::size_t e) { insert(start + b, start + e); }, kInsertGrain);
}

void HnswIndex::replace(std::size_t position, const float* vector) {
  require_position(position, "HnswIndex::replace");
  std::vector<float> scratch;
  // addPoint with an existing label un-deletes it and calls updatePoint.
  graph_->index_labels();
  graph_->hnsw->addPoint(graph_->prepare(vector, dim_, scratch), hnswlib::labeltype(position));
  record_replaced(position);
}

void HnswIndex::mark_deleted(std::size_t position) {
  require_deletable(position, "HnswIndex::mark_deleted");
  graph_->index_labels();
  graph_->hnsw->markDelete(hnswlib::labeltype(position));
  record_deleted(position);
}

SearchResult HnswIndex::search(const float* queries, std::size_t nq, std::size_t k, const SearchParams& params) const {
  SearchResult result(nq, k);
  if (nq == 0 || k == 0 || live_count() == 0) return result;
  const std::size_t ef = params.ef > 0 ? params.ef : params_.ef;
  // Queries are taken 16 at a time: at the end of a batch no thread waits long for another.
  constexpr std::size_t kQueryGrain = 16;
  parallel_for(nq, std::max(1u, params.threads), [&](std::size_t begin, std::size_t end) {
    std::vector<float> scratch;
    std::vector<std::pair<float, hnswlib::labeltype>> raw;
    std::vector<std::pair<float, std::int64_t>> found;
    for (std::size_t q = begin; q < end; ++q) {
      graph_->knn(graph_->prepare(queries + q * dim_, dim_, scratch), k, ef, raw);
      found.clear();
      for (const auto& [d, label] : raw) {
        found.emplace_back(clamp_distance(distance_, from_hnsw(distance_, d)), std::int64_t(label));
      }
      std::sort(found.begin(), found.end());  // closest first; equal distances by position
      for (std::size_t j = 0; j < found.size() && j < k; ++j) {
        result.distances[q * k + j] = found[j].first;
        result.positions[q * k + j] = found[j].second;
      }
    }
  }, kQueryGrain);
  return result;
}

HnswFileStamp HnswIndex::write(AtomicFile& out) const {
  const auto& h = *graph_->hnsw;
  const std::size_t n = h.cur_element_count;
  // Laid out in locality order (see locality_order): internal ids change, labels (our positions)
  // and links stay what they were, so a loader sees the same graph.
  const std::vector<hnswlib::tableint> order = locality_order(h);
  std::vector<hnswlib::tableint> new_id(n);
  for (std::size_t i = 0; i < n; ++i) new_id[order[i]] = hnswlib::tableint(i);

  HnswHeader header;
  header.offset_level0 = h.offsetLevel0_;
  header.max_elements = n;  // no spare capacity: loaders allocate exactly N
  header.count = n;
  header.size_data_per_element = h.size_data_per_element_;
  header.label_offset = h.label_offset_;
  header.offset_data = h.offsetData_;
  header.max_level = h.maxlevel_;
  header.entry_point = n > 0 ? new_id[h.enterpoint_node_] : h.enterpoint_node_;
  header.max_m = h.maxM_;
  header.max_m0 = h.maxM0_;
  header.m = h.M_;
  header.mult = h.mult_;
  header.ef_construction = h.ef_construction_;
  unsigned char raw[kHnswHeaderBytes];
  encode_hnsw_header(header, raw);

  StampedWriter w(out);
  w.write(raw, sizeof raw);
  std::vector<char> element(h.size_data_per_element_);
  for (std::size_t i = 0; i < n; ++i) {  // level 0: links (and deleted flag), vector, label
    std::copy_n(h.data_level0_memory_ + std::size_t(order[i]) * h.size_data_per_element_, element.size(),
                element.begin());
    renumber_links(reinterpret_cast<hnswlib::linklistsizeint*>(element.data() + h.offsetLevel0_), new_id, h);
    w.write(element.data(), element.size());
  }
  std::vector<char> upper;
  for (std::size_t i = 0; i < n; ++i) {  // levels above 0, one block of lists per element
    const int level = h.element_levels_[order[i]];
    const auto bytes = static_cast<unsigned int>(level > 0 ? h.size_links_per_element_ * std::size_t(level) : 0);
    w.pod(bytes);
    if (bytes == 0) continue;
    upper.assign(h.linkLists_[order[i]], h.linkLists_[order[i]] + bytes);
    for (int l = 0; l < level; ++l) {
      renumber_links(reinterpret_cast<hnswlib::linklistsizeint*>(upper.data() + std::size_t(l) * h.size_links_per_element_),
                     new_id, h);
    }
    w.write(upper.data(), bytes);
  }
  return w.finish();
}

std::unique_ptr<HnswIndex> HnswIndex::load(const std::string& path, Distance distance, std::size_t dim,
                                           std::size_t count, const HnswParams& params, const HnswFileStamp& stamp) {
  auto index = std::make_unique<HnswIndex>(distance, dim, params);
  HnswExpected expected;
  expected.count = count;
  expected.dim = dim;
  expected.m = params.m;
  expected.ef_construction = params.ef_construction;
  expected.file_size = stamp.size;
  expected.crc32 = stamp.crc32;
  // An empty graph of exactly `count` elements with the sidecar's parameters, filled as the file
  // is checked: the file is read once, straight into huge pages, instead of checked by
  // check_hnsw_file and then read again by hnswlib's loadIndex (which would trust it). The level
  // generator is seeded from the build's seed and the count, for later additions.
  auto& g = *index->graph_;
  g.hnsw = new_graph(g.space.get(), count, params, params.seed + count, distance);
  auto& h = *g.hnsw;
  use_huge_pages(h);
  GraphFiller filler(h);
  HnswFileCheck check = check_hnsw_file(path, expected, &filler);
  h.maxlevel_ = check.header.max_level;
  h.enterpoint_node_ = check.header.entry_point;
  g.labels_indexed = false;  // until a change needs them (index_labels)
  // The file check collected every element's deleted flag: counted once there, not by walking
  // the level-0 block again (400 MB on the 1M index).
  index->reset_positions(std::move(check.deleted));
  h.num_deleted_ = index->deleted_count();
  return index;
}

}  // namespace sim
