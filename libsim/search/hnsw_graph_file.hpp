// An HNSW graph (hnsw_graph.hpp) to and from the stock hnswlib file (hnsw_file.hpp): written in an
// order that keeps neighbours close in memory, read straight into the graph's own arrays while
// check_hnsw_file checks it, so the file is read once and nothing of hnswlib sees unchecked bytes.
//
// Private to search/hnsw_index.cpp, the one translation unit that includes hnswlib: hnswlib comes
// through hnsw_graph.hpp, whose guard refuses any other includer.
#pragma once

#include "search/hnsw_graph.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "base/atomic_file.hpp"
#include "search/hnsw_file.hpp"
#include "search/hnsw_index.hpp"

namespace sim {

// The order in which write_hnsw_graph lays the elements out: breadth first over level 0 from the entry
// point, so that an element's neighbours sit near it in memory (new position -> internal id).
// A search touches one vector per hop in no predictable order, and at 64 dimensions it is bound by
// those cache and TLB misses; neighbours stored close together miss less (Coleman et al., "Graph
// Reordering for Cache-Efficient Near Neighbor Search", 2022, measured this for HNSW). The graph
// itself, and so every search result, is unchanged. Elements no link reaches go last, in order.
inline std::vector<hnswlib::tableint> locality_order(const hnswlib::HierarchicalNSW<float>& h) {
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
inline void renumber_links(hnswlib::linklistsizeint* list, const std::vector<hnswlib::tableint>& new_id,
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

// The stock hnswlib file of `h` (hnsw_file.hpp; max_elements_ = its element count), written to
// `out`'s temporary and checked at every write; returns its size and CRC-32. Does not commit.
inline HnswFileStamp write_hnsw_graph(const hnswlib::HierarchicalNSW<float>& h, AtomicFile& out) {
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
      renumber_links(
          reinterpret_cast<hnswlib::linklistsizeint*>(upper.data() + std::size_t(l) * h.size_links_per_element_),
          new_id, h);
    }
    w.write(upper.data(), bytes);
  }
  return w.finish();
}

// Fills `h`, an empty graph of exactly the file's element count made with the sidecar's
// parameters, from `path` as check_hnsw_file reads and checks it against `expected`: level 0
// straight into huge pages, each element's upper lists as hnswlib's own loader keeps them. With
// the Structure extent, level 0 is neither read nor given huge pages (HnswIndex::map points the
// graph at the mapped file's instead). Throws check_hnsw_file's errors; the caller then discards `h`.
inline HnswFileCheck read_hnsw_graph(hnswlib::HierarchicalNSW<float>& h, const std::string& path,
                                     const HnswExpected& expected, HnswCheck extent = HnswCheck::Whole) {
  if (extent == HnswCheck::Whole) use_huge_pages(h);
  GraphFiller filler(h);
  HnswFileCheck check = check_hnsw_file(path, expected, &filler, extent);
  h.maxlevel_ = check.header.max_level;
  h.enterpoint_node_ = check.header.entry_point;
  return check;
}

}  // namespace sim
