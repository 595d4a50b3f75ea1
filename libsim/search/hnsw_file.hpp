// The stock hnswlib 0.6.2 index file: exactly what HierarchicalNSW::saveIndex writes and what
// loadIndex (and the Python bindings' Index.load_index) read. Native byte order (little-endian on
// every machine sim runs on), no magic, no metric, no dimension: hence the sidecar (index_file.hpp).
//
//   offset  type  hnswlib field            value in a file sim writes
//   0       u64   offsetLevel0_            0
//   8       u64   max_elements_            N (the capacity; sim writes the element count)
//   16      u64   cur_element_count        N
//   24      u64   size_data_per_element_   S = L0 + 4*dim + 8
//   32      u64   label_offset_            L0 + 4*dim
//   40      u64   offsetData_              L0 = 4*maxM0 + 4 (the level-0 link list)
//   48      i32   maxlevel_                top level of the graph
//   52      u32   enterpoint_node_         internal id of the entry point (its level is maxlevel_)
//   56      u64   maxM_                    M
//   64      u64   maxM0_                   2*M
//   72      u64   M_                       M
//   80      f64   mult_                    1 / ln(M)
//   88      u64   ef_construction_         max(ef_construction, M)
//   96      N elements of S bytes, by internal id (sim writes them breadth first from the entry
//             point, which is then 0: HnswIndex::write), so internal id != label in general:
//             u16 neighbour count (<= maxM0), u8 flags (bit 0: deleted), u8 0,
//             maxM0 x u32 neighbour ids, dim x f32 vector, u64 label (= the item's sim position)
//   then    N times: u32 byte count B (0 or level * (4*maxM + 4)), then B bytes: one list per
//             upper level, each u16 count (<= maxM), u16 0, maxM x u32 neighbour ids
//
// hnswlib's own loader trusts every one of these numbers: a garbage file makes it allocate
// max_elements_ * size_data_per_element_ bytes or follow neighbour ids out of its arrays. So sim
// reads and checks the whole file itself first (check_hnsw_file), against its sidecar.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sim {

inline constexpr std::size_t kHnswHeaderBytes = 96;
inline constexpr std::size_t kHnswMaxM = 10000;  // hnswlib caps M here itself
inline constexpr int kHnswMaxLevel = 64;         // levels are ~log(N)/log(M); 64 is far beyond any real graph

struct HnswHeader {
  std::uint64_t offset_level0 = 0, max_elements = 0, count = 0, size_data_per_element = 0, label_offset = 0,
                offset_data = 0;
  std::int32_t max_level = -1;
  std::uint32_t entry_point = 0;
  std::uint64_t max_m = 0, max_m0 = 0, m = 0;
  double mult = 0;
  std::uint64_t ef_construction = 0;
};

void encode_hnsw_header(const HnswHeader& header, unsigned char out[kHnswHeaderBytes]);
HnswHeader decode_hnsw_header(const unsigned char in[kHnswHeaderBytes]);

// What a sim index's hnswlib file must be, from its sidecar.
struct HnswExpected {
  std::size_t count = 0, dim = 0, m = 0, ef_construction = 0;
  std::uint64_t file_size = 0;
  std::uint32_t crc32 = 0;
};

// The header hnswlib builds for these parameters (what every file sim writes must start with,
// max_elements_ and the graph fields aside).
HnswHeader expected_hnsw_layout(std::size_t count, std::size_t dim, std::size_t m, std::size_t ef_construction);

struct HnswFileCheck {
  HnswHeader header;
  std::vector<std::uint8_t> deleted;  // by position (label): 1 = marked deleted
};

// Where check_hnsw_file puts what it has read, for a loader that wants the file read only once
// (HnswIndex::load fills hnswlib's own arrays with it). Nothing a sink receives is trusted before
// check_hnsw_file returns: if it throws, the caller discards whatever the sink was given.
class HnswFileSink {
 public:
  virtual ~HnswFileSink() = default;
  // Memory for the N level-0 records of header.size_data_per_element bytes each, by internal id;
  // called once, after the header has been checked against the sidecar.
  virtual unsigned char* level0(const HnswHeader& header) = 0;
  // Element `element`'s upper-level lists (bytes > 0: level * (4*maxM + 4) bytes), once read.
  virtual void upper_levels(std::uint64_t element, const unsigned char* lists, std::uint32_t bytes) = 0;
};

// How much of the file check_hnsw_file reads: all of it, or (Structure) the header and the upper
// levels only, seeking past level 0: no CRC-32, no level-0 record checked, no deleted flags
// returned. A memory-mapped reader (HnswIndex::map) checks level 0's links and labels as its
// searches meet them instead.
enum class HnswCheck { Whole, Structure };

// Reads `path` once (O(1) memory besides two bytes per element), computing its CRC-32 and checking
// it against `expected` and against itself: every header field, the size of each section, every
// neighbour id (< N, and on an upper level only pointing at elements that have that level), the
// flags, finite vectors, labels forming exactly the positions 0..N-1, no trailing bytes. Throws
// IoError if it cannot be read, FormatError naming `path` and the hnswlib field otherwise: a file
// whose size or CRC-32 differs from the sidecar's record is "not the file this sidecar was written
// with" (truncated, or replaced by another index's file). With a sink, level 0 is read into the
// sink's memory instead of a buffer, and each element's upper lists are handed to it.
HnswFileCheck check_hnsw_file(const std::string& path, const HnswExpected& expected, HnswFileSink* sink = nullptr,
                              HnswCheck extent = HnswCheck::Whole);

// check_hnsw_file's first step alone, for a caller that does not read the graph (sim-index info
// without vectors): `path` exists, is a file, and is `file_size` bytes long, as the sidecar records.
void check_hnsw_file_size(const std::string& path, std::uint64_t file_size);

// check_hnsw_file's first two steps, before anything is read or allocated per element: the size
// as above, and a file of that size can hold `expected.count` elements of the layout the sidecar's
// dim and M give. A loader calls it before it allocates a graph of count elements, so that a
// sidecar claiming more items than its file holds costs no memory.
void check_hnsw_file_fits(const std::string& path, const HnswExpected& expected);

}  // namespace sim
