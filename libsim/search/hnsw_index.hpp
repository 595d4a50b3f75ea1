// Approximate search with hnswlib's HierarchicalNSW graph.
//
// Distances are mapped as base/distance.hpp's hnsw_mapping says: cosine is inner product over
// L2-normalised vectors (copies are normalised, never the caller's data), euclidean and
// sqeuclidean use hnswlib's L2 space (squared; euclidean results are square-rooted with
// from_hnsw), inner product its IP space. Manhattan has no hnswlib space: use ExactIndex.
//
// An item's hnswlib label is its position, so the stock hnswlib file (hnsw_file.hpp) maps straight
// back to the sidecar's rows, and hnswlib's own Python bindings return positions too.
//
// hnswlib 0.6.2's headers define non-inline globals, so hnsw_index.cpp is the one translation unit
// that includes them (hnsw_space.hpp's functions live there too); nothing here exposes hnswlib.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "search/index.hpp"
#include "search/scalar_quantizer.hpp"

namespace sim {

class AtomicFile;

struct HnswParams {
  std::size_t m = 16;                 // graph degree (level 0 has 2*M links)
  std::size_t ef_construction = 200;  // candidate list size while inserting
  std::size_t ef = 64;                // default candidate list size while searching (stored in the index)
  std::uint64_t seed = 100;           // hnswlib's level generator (hnswlib's own default is 100)
};

// Throws UsageError naming the option (--M, --ef-construction, --ef) for values hnswlib cannot use:
// M from 2 to 10000, ef_construction and ef from 1 to 1,000,000.
void validate_hnsw_params(const HnswParams& params);

// Size and CRC-32 (zlib) of an hnswlib file, as the sidecar records them.
struct HnswFileStamp {
  std::uint64_t size = 0;
  std::uint32_t crc32 = 0;
};

class HnswIndex final : public Index {
 public:
  // Throws Error for manhattan (naming --exact) and UsageError for bad params.
  HnswIndex(Distance distance, std::size_t dim, const HnswParams& params);
  ~HnswIndex() override;

  IndexType type() const noexcept override { return IndexType::Hnsw; }

  // Inserts on `threads` workers (hnswlib's insertion is thread-safe); the capacity grows by
  // doubling (hnswlib's resizeIndex) before each batch that needs it. With threads > 1 the graph
  // depends on scheduling; one thread and a fixed seed give the same file every run.
  void add(const float* vectors, std::size_t n, unsigned threads, const AddHints& hints = {}) override;
  // hnswlib's updatePoint: the new vector is re-linked into the graph where it now belongs.
  void replace(std::size_t position, const float* vector) override;
  void mark_deleted(std::size_t position) override;
  void copy_vectors(std::size_t first, std::size_t n, float* out) const override;
  // Batch search, queries spread over params.threads workers; ef per call (params.ef, else the
  // default). Safe concurrently with other searches, not with add/replace/mark_deleted.
  SearchResult search(const float* queries, std::size_t nq, std::size_t k, const SearchParams& params) const override;

  // search, each query as if its item left_out[q] (a position) were not in the graph: neither
  // walked through nor returned. Recall measured with the index's own items as queries
  // (recall_tuning.hpp) is otherwise flattered: the search walks straight to the query's own node,
  // whose links lead to its neighbours, where a new query has no node to find.
  SearchResult search_left_out(const float* queries, const std::size_t* left_out, std::size_t nq, std::size_t k,
                               const SearchParams& params) const;
  const HnswParams& params() const noexcept { return params_; }
  // Searches walk the graph over codes of the vectors (scalar_quantizer.hpp) and re-rank their
  // candidates on the full vectors; None searches the full vectors alone. Setting it makes the
  // codes of every item (sq8 fits its range to them); items added later are coded in that range.
  void set_quantization(Quantization q);
  Quantization quantization() const noexcept;
  void set_default_ef(std::size_t ef);  // validated like --ef

  // Writes the stock hnswlib file (hnsw_file.hpp; max_elements_ = size()) to `out`'s temporary,
  // checking every write; returns its size and CRC-32. Does not commit.
  HnswFileStamp write(AtomicFile& out) const;

  // Loads a file written by write() holding `count` items: check_hnsw_file first (nothing of
  // hnswlib touches an unchecked file), then hnswlib's loader. Throws FormatError/IoError naming
  // `path`.
  static std::unique_ptr<HnswIndex> load(const std::string& path, Distance distance, std::size_t dim, std::size_t count,
                                         const HnswParams& params, const HnswFileStamp& stamp);

  // Opens the file load() reads without reading it whole: its level 0 (every element's links,
  // vector and label: nearly all of it) is mapped and searched in place, pages coming from the
  // page cache as searches touch them and shared with every process mapping the same file. Only
  // the header and the upper levels are read and checked (check_hnsw_file's Structure extent); a
  // search that meets a bad record in level 0 throws FormatError naming `path` (a file changed
  // under its reader; a truncated one is base/mapped_file.hpp's). `deleted` (by position) comes
  // from the sidecar, since the records are not read. Read-only: add, replace and mark_deleted
  // throw std::logic_error.
  static std::unique_ptr<HnswIndex> map(const std::string& path, Distance distance, std::size_t dim, std::size_t count,
                                        const HnswParams& params, const HnswFileStamp& stamp,
                                        std::vector<std::uint8_t> deleted);

 private:
  struct Graph;  // hnswlib's space and HierarchicalNSW
  SearchResult search_among(const float* queries, std::size_t nq, std::size_t k, const SearchParams& params,
                            const std::size_t* left_out) const;
  void require_writable(const char* caller) const;
  std::unique_ptr<Graph> graph_;
  HnswParams params_;
};

}  // namespace sim
