// HnswIndex, the facade over the HNSW graph (hnsw_graph.hpp) and its file (hnsw_graph_file.hpp).
// The one translation unit that includes hnswlib (its 0.6.2 headers define non-inline globals), so
// also home of hnsw_space.hpp's functions; the two private headers are textually part of it.
#include "search/hnsw_index.hpp"

#define SIM_HNSWLIB_TRANSLATION_UNIT
#include "search/hnsw_graph.hpp"
#include "search/hnsw_graph_file.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "base/parallel.hpp"
#include "base/version_config.hpp"
#include "search/distance_kernels.hpp"
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

// What the sidecar says the hnswlib file holds.
HnswExpected expected_file(std::size_t count, std::size_t dim, const HnswParams& params, const HnswFileStamp& stamp) {
  HnswExpected expected;
  expected.count = count;
  expected.dim = dim;
  expected.m = params.m;
  expected.ef_construction = params.ef_construction;
  expected.file_size = stamp.size;
  expected.crc32 = stamp.crc32;
  return expected;
}

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

void HnswIndex::set_quantization(Quantization q) { graph_->quantize(q, distance_); }

Quantization HnswIndex::quantization() const noexcept {
  return graph_->codes ? graph_->codes->kind() : Quantization::None;
}

void HnswIndex::require_writable(const char* caller) const {
  if (graph_->mapping) throw std::logic_error(std::string(caller) + ": a memory-mapped index is read-only");
}

void HnswIndex::add(const float* vectors, std::size_t n, unsigned threads, const AddHints& hints) {
  require_writable("HnswIndex::add");
  if (n == 0) return;
  auto& h = *graph_->hnsw;
  const std::size_t first = size();
  if (std::uint64_t(first) + n > kMaxItems) {
    throw Error("", "", "an index holds at most " + std::to_string(kMaxItems) + " items");
  }
  if (first + n > h.max_elements_) {
    h.resizeIndex(std::min<std::size_t>(kMaxItems, std::max(first + n, 2 * h.max_elements_)));
    use_huge_pages(h);  // before the new elements are written
    if (graph_->codes) graph_->codes->reserve(h.max_elements_);
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
      const float* v = vectors + i * dim_;
      graph_->insert(hints.stored ? v : graph_->prepare(v, dim_, scratch), hnswlib::labeltype(first + i));
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
  parallel_for(
      n - start, threads, [&](std::size_t b, std::size_t e) { insert(start + b, start + e); }, kInsertGrain);
}

void HnswIndex::replace(std::size_t position, const float* vector) {
  require_writable("HnswIndex::replace");
  require_position(position, "HnswIndex::replace");
  std::vector<float> scratch;
  // addPoint with an existing label un-deletes it and calls updatePoint.
  graph_->index_labels();
  const float* stored = graph_->prepare(vector, dim_, scratch);
  graph_->hnsw->addPoint(stored, hnswlib::labeltype(position));
  if (graph_->codes) graph_->codes->encode(graph_->hnsw->label_lookup_.at(hnswlib::labeltype(position)), stored);
  record_replaced(position);
}

void HnswIndex::copy_vectors(std::size_t first, std::size_t n, float* out) const {
  require_range(first, n, "HnswIndex::copy_vectors");
  const auto& h = *graph_->hnsw;
  // Every element's label is its position (labels are never reused), so one pass over hnswlib's
  // elements finds them all.
  for (hnswlib::tableint id = 0; id < h.cur_element_count; ++id) {
    const std::size_t position = h.getExternalLabel(id);
    if (position < first || position >= first + n) continue;
    std::memcpy(out + (position - first) * dim_, h.getDataByInternalId(id), dim_ * sizeof(float));
  }
}

void HnswIndex::mark_deleted(std::size_t position) {
  require_writable("HnswIndex::mark_deleted");
  require_deletable(position, "HnswIndex::mark_deleted");
  graph_->index_labels();
  graph_->hnsw->markDelete(hnswlib::labeltype(position));
  record_deleted(position);
}

SearchResult HnswIndex::search(const float* queries, std::size_t nq, std::size_t k, const SearchParams& params) const {
  return search_among(queries, nq, k, params, nullptr);
}

SearchResult HnswIndex::search_left_out(const float* queries, const std::size_t* left_out, std::size_t nq,
                                        std::size_t k, const SearchParams& params) const {
  return search_among(queries, nq, k, params, left_out);
}

SearchResult HnswIndex::search_among(const float* queries, std::size_t nq, std::size_t k, const SearchParams& params,
                                     const std::size_t* left_out) const {
  SearchResult result(nq, k);
  if (nq == 0 || k == 0 || live_count() == 0) return result;
  const std::size_t ef = params.ef > 0 ? params.ef : params_.ef;
  const auto& h = *graph_->hnsw;
  std::vector<hnswlib::tableint> element_of;  // position -> hnswlib's internal id, for left_out
  if (left_out != nullptr) {
    element_of.resize(size(), Graph::kNoElement);
    for (hnswlib::tableint id = 0; id < h.cur_element_count; ++id) element_of[h.getExternalLabel(id)] = id;
  }
  const auto absent = [&](std::size_t q) {
    if (left_out == nullptr) return Graph::kNoElement;
    const hnswlib::tableint id = element_of.at(left_out[q]);
    return id == h.enterpoint_node_ ? Graph::kNoElement : id;  // the search starts there: kept, dropped below
  };
  // Queries are taken 16 at a time: at the end of a batch no thread waits long for another.
  constexpr std::size_t kQueryGrain = 16;
  parallel_for(
      nq, std::max(1u, params.threads),
      [&](std::size_t begin, std::size_t end) {
        std::vector<float> scratch;
        std::vector<std::pair<float, hnswlib::labeltype>> raw;
        std::vector<std::pair<float, std::int64_t>> found;
        for (std::size_t q = begin; q < end; ++q) {
          const std::size_t wanted = left_out != nullptr ? k + 1 : k;  // room for the entry point left out
          graph_->knn(graph_->prepare(queries + q * dim_, dim_, scratch), wanted, ef, raw, absent(q));
          found.clear();
          for (const auto& [d, label] : raw) {
            if (left_out != nullptr && label == left_out[q]) continue;
            found.emplace_back(clamp_distance(distance_, from_hnsw(distance_, d)), std::int64_t(label));
          }
          std::sort(found.begin(), found.end());  // closest first; equal distances by position
          for (std::size_t j = 0; j < found.size() && j < k; ++j) {
            result.distances[q * k + j] = found[j].first;
            result.positions[q * k + j] = found[j].second;
          }
        }
      },
      kQueryGrain);
  if (graph_->corrupt.load()) {
    throw FormatError(graph_->mapping->path(), "level 0",
                      "a neighbour list, neighbour id or label out of range, or NaN in a vector: the file is "
                      "damaged or changed while it was mapped (sim-index info checks all of it)");
  }
  return result;
}

HnswFileStamp HnswIndex::write(AtomicFile& out) const { return write_hnsw_graph(*graph_->hnsw, out); }

std::unique_ptr<HnswIndex> HnswIndex::load(const std::string& path, Distance distance, std::size_t dim,
                                           std::size_t count, const HnswParams& params, const HnswFileStamp& stamp) {
  auto index = std::make_unique<HnswIndex>(distance, dim, params);
  const HnswExpected expected = expected_file(count, dim, params, stamp);
  // An empty graph of exactly `count` elements with the sidecar's parameters, filled as the file
  // is checked: the file is read once, straight into huge pages, instead of checked by
  // check_hnsw_file and then read again by hnswlib's loadIndex (which would trust it). The level
  // generator is seeded from the build's seed and the count, for later additions.
  check_hnsw_file_fits(path, expected);  // before a graph of `count` elements is allocated
  auto& g = *index->graph_;
  g.hnsw = new_graph(g.space.get(), count, params, params.seed + count, distance);
  auto& h = *g.hnsw;
  HnswFileCheck check = read_hnsw_graph(h, path, expected);
  g.labels_indexed = false;  // until a change needs them (index_labels)
  // The file check collected every element's deleted flag: counted once there, not by walking
  // the level-0 block again (400 MB on the 1M index).
  index->reset_positions(std::move(check.deleted));
  h.num_deleted_ = index->deleted_count();
  return index;
}

std::unique_ptr<HnswIndex> HnswIndex::map(const std::string& path, Distance distance, std::size_t dim,
                                          std::size_t count, const HnswParams& params, const HnswFileStamp& stamp,
                                          std::vector<std::uint8_t> deleted) {
  if (deleted.size() != count) throw std::invalid_argument("HnswIndex::map: one deleted flag per item");
  auto index = std::make_unique<HnswIndex>(distance, dim, params);
  const HnswExpected expected = expected_file(count, dim, params, stamp);
  check_hnsw_file_fits(path, expected);
  auto mapping = std::make_unique<MappedFile>(path, stamp.size);
  auto& g = *index->graph_;
  g.hnsw = new_graph(g.space.get(), count, params, params.seed + count, distance);
  auto& h = *g.hnsw;
  read_hnsw_graph(h, path, expected, HnswCheck::Structure);
  // Level 0 is the mapping's: the block new_graph allocated was never touched, so it cost no memory.
  std::free(h.data_level0_memory_);
  h.data_level0_memory_ = reinterpret_cast<char*>(const_cast<unsigned char*>(mapping->data())) + kHnswHeaderBytes;
  g.mapping = std::move(mapping);
  g.labels_indexed = false;
  index->reset_positions(std::move(deleted));
  h.num_deleted_ = index->deleted_count();
  return index;
}

}  // namespace sim
