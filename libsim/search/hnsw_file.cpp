#include "search/hnsw_file.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "base/error.hpp"

namespace sim {
namespace {

// How each check that finds the file is not the sidecar's own ends its message.
constexpr const char* kNotItsFile = "not the file its sidecar was written with";

template <typename T>
void put(unsigned char* out, std::size_t at, T value) {
  std::memcpy(out + at, &value, sizeof(T));
}

template <typename T>
T get(const unsigned char* in, std::size_t at) {
  T value;
  std::memcpy(&value, in + at, sizeof(T));
  return value;
}

// Sequential reads that keep the offset and (`crc`) the running CRC-32, and turn a short read into
// a "truncated" FormatError naming the field being read.
class Reader {
 public:
  Reader(const std::string& path, bool crc)
      : path_(path), file_(std::fopen(path.c_str(), "rb"), &std::fclose), crc_on_(crc) {
    if (!file_) throw io_error(path, "cannot open", errno);
    std::setvbuf(file_.get(), nullptr, _IOFBF, std::size_t(1) << 20);
  }
  void read(void* data, std::size_t size, const char* field) {
    if (size == 0) return;  // zlib's crc32 with a null buffer returns its initial value, not `crc`
    if (std::fread(data, 1, size, file_.get()) != size) {
      if (std::ferror(file_.get())) throw io_error(path_, "read failed", errno);
      throw FormatError(path_, field, "truncated at byte " + std::to_string(offset_));
    }
    if (crc_on_) crc_ = std::uint32_t(::crc32(crc_, static_cast<const Bytef*>(data), uInt(size)));
    offset_ += size;
  }
  // Moves `size` bytes on without reading them (the CRC-32 then covers only what was read).
  void skip(std::uint64_t size, const char* field) {
    if (::fseeko(file_.get(), off_t(size), SEEK_CUR) != 0)
      throw io_error(path_, std::string("seek past ") + field, errno);
    offset_ += size;
  }
  std::uint64_t offset() const { return offset_; }
  std::uint32_t crc() const { return crc_; }

 private:
  std::string path_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_;
  std::uint64_t offset_ = 0;
  bool crc_on_;
  std::uint32_t crc_ = std::uint32_t(::crc32(0, nullptr, 0));
};

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace

void encode_hnsw_header(const HnswHeader& h, unsigned char out[kHnswHeaderBytes]) {
  put(out, 0, h.offset_level0);
  put(out, 8, h.max_elements);
  put(out, 16, h.count);
  put(out, 24, h.size_data_per_element);
  put(out, 32, h.label_offset);
  put(out, 40, h.offset_data);
  put(out, 48, h.max_level);
  put(out, 52, h.entry_point);
  put(out, 56, h.max_m);
  put(out, 64, h.max_m0);
  put(out, 72, h.m);
  put(out, 80, h.mult);
  put(out, 88, h.ef_construction);
}

HnswHeader decode_hnsw_header(const unsigned char in[kHnswHeaderBytes]) {
  HnswHeader h;
  h.offset_level0 = get<std::uint64_t>(in, 0);
  h.max_elements = get<std::uint64_t>(in, 8);
  h.count = get<std::uint64_t>(in, 16);
  h.size_data_per_element = get<std::uint64_t>(in, 24);
  h.label_offset = get<std::uint64_t>(in, 32);
  h.offset_data = get<std::uint64_t>(in, 40);
  h.max_level = get<std::int32_t>(in, 48);
  h.entry_point = get<std::uint32_t>(in, 52);
  h.max_m = get<std::uint64_t>(in, 56);
  h.max_m0 = get<std::uint64_t>(in, 64);
  h.m = get<std::uint64_t>(in, 72);
  h.mult = get<double>(in, 80);
  h.ef_construction = get<std::uint64_t>(in, 88);
  return h;
}

HnswHeader expected_hnsw_layout(std::size_t count, std::size_t dim, std::size_t m, std::size_t ef_construction) {
  HnswHeader h;
  h.max_elements = h.count = count;
  h.max_m = h.m = m;
  h.max_m0 = 2 * m;
  h.offset_data = 4 * h.max_m0 + 4;
  h.label_offset = h.offset_data + 4 * dim;
  h.size_data_per_element = h.label_offset + 8;
  h.mult = 1 / std::log(1.0 * double(m));  // hnswlib's own expression, so the bits match
  h.ef_construction = std::max(ef_construction, m);
  return h;
}

void check_hnsw_file_size(const std::string& path, std::uint64_t file_size) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw io_error(path, "cannot open the index's hnswlib file", errno);
  // A directory's st_size would otherwise be reported as a size mismatch ("truncated or replaced").
  if (S_ISDIR(st.st_mode)) throw IoError(path, "", "is a directory, expected the index's hnswlib file");
  if (std::uint64_t(st.st_size) != file_size) {
    throw FormatError(path, "",
                      "is " + std::to_string(st.st_size) + " bytes but the sidecar records " +
                          std::to_string(file_size) + ": " + kNotItsFile + " (truncated or replaced)");
  }
}

void check_hnsw_file_fits(const std::string& path, const HnswExpected& want) {
  check_hnsw_file_size(path, want.file_size);
  // Every element takes its level-0 record and its upper levels' 4-byte size, at the least.
  const HnswHeader e = expected_hnsw_layout(want.count, want.dim, want.m, want.ef_construction);
  const std::uint64_t per_element = e.size_data_per_element + 4;
  const std::uint64_t room = want.file_size > kHnswHeaderBytes ? want.file_size - kHnswHeaderBytes : 0;
  if (want.count > room / per_element) {
    throw FormatError(path, "cur_element_count",
                      "cannot hold the sidecar's " + std::to_string(want.count) + " elements of " +
                          std::to_string(per_element) + " bytes in " + std::to_string(want.file_size) +
                          " bytes (corrupt file, or " + kNotItsFile + ")");
  }
}

HnswFileCheck check_hnsw_file(const std::string& path, const HnswExpected& want, HnswFileSink* sink, HnswCheck extent) {
  check_hnsw_file_fits(path, want);
  const std::uint64_t size = want.file_size;
  Reader in(path, extent == HnswCheck::Whole);  // the structure alone: no CRC-32 to compare
  unsigned char raw[kHnswHeaderBytes];
  in.read(raw, sizeof raw, "header");
  const HnswHeader h = decode_hnsw_header(raw);
  const HnswHeader e = expected_hnsw_layout(want.count, want.dim, want.m, want.ef_construction);
  auto expect = [&](const char* field, std::uint64_t got, std::uint64_t wanted) {
    if (got != wanted) {
      throw FormatError(path, field,
                        "is " + std::to_string(got) + ", expected " + std::to_string(wanted) +
                            " for this index (corrupt file, or " + kNotItsFile + ")");
    }
  };
  expect("offsetLevel0_", h.offset_level0, 0);
  expect("cur_element_count", h.count, want.count);
  if (h.max_elements < h.count || h.max_elements > 0xffffffffULL) {
    throw FormatError(
        path, "max_elements_",
        "is " + std::to_string(h.max_elements) + " for " + std::to_string(h.count) + " elements (corrupt file)");
  }
  expect("maxM_", h.max_m, e.max_m);
  expect("maxM0_", h.max_m0, e.max_m0);
  expect("M_", h.m, e.m);
  expect("offsetData_", h.offset_data, e.offset_data);
  expect("label_offset_", h.label_offset, e.label_offset);
  expect("size_data_per_element_", h.size_data_per_element, e.size_data_per_element);
  expect("ef_construction_", h.ef_construction, e.ef_construction);
  if (!(std::fabs(h.mult - e.mult) <= 1e-9 * e.mult)) throw FormatError(path, "mult_", "is not 1/ln(M) (corrupt file)");
  const std::uint64_t n = h.count;
  if (n == 0) throw FormatError(path, "cur_element_count", "is 0: an HNSW index always holds at least one item");
  if (h.max_level < 0 || h.max_level >= kHnswMaxLevel) {
    throw FormatError(path, "maxlevel_", "is " + std::to_string(h.max_level) + " (corrupt file)");
  }
  if (h.entry_point >= n) throw FormatError(path, "enterpoint_node_", "is not an element (corrupt file)");
  // The file holds n elements of this layout (check_hnsw_file_fits): n matches the sidecar's count
  // and the layout its dim and M give.

  HnswFileCheck result;
  result.header = h;
  result.deleted.assign(n, 2);  // 2 = no element carries this label yet
  const std::size_t dim = want.dim;
  const auto check_element = [&](const unsigned char* element, std::uint64_t i) {
    const unsigned links = get<std::uint16_t>(element, 0);
    const unsigned char flags = element[2];
    const auto at = [i] { return "element " + std::to_string(i); };
    if (links > h.max_m0 || flags > 1 || element[3] != 0) throw FormatError(path, "level 0", at() + ": bad link list");
    for (unsigned j = 0; j < links; ++j) {
      if (get<std::uint32_t>(element, 4 + 4 * j) >= n)
        throw FormatError(path, "level 0", at() + ": neighbour id out of range");
    }
    for (std::size_t d = 0; d < dim; ++d) {
      if (!std::isfinite(get<float>(element, h.offset_data + 4 * d))) {
        throw FormatError(path, "data", at() + ": holds NaN or infinity");
      }
    }
    const std::uint64_t label = get<std::uint64_t>(element, h.label_offset);
    if (label >= n || result.deleted[label] != 2) {
      throw FormatError(path, "label", at() + ": label " + std::to_string(label) + " is out of range or repeated");
    }
    result.deleted[label] = flags;
  };
  // Level 0 in blocks of a few MB: into the sink's memory when there is one (then this is the only
  // read of the file), else into one reused buffer.
  const std::uint64_t record = h.size_data_per_element;
  const std::uint64_t per_block =
      std::min<std::uint64_t>(n, std::max<std::uint64_t>(1, (std::uint64_t(4) << 20) / record));
  unsigned char* level0 = sink ? sink->level0(h) : nullptr;
  const bool whole = extent == HnswCheck::Whole;
  if (!whole) {
    in.skip(n * record, "level 0");
    result.deleted.clear();  // unknown: the records were not read
  }
  std::vector<unsigned char> buffer(level0 || !whole ? 0 : per_block * record);
  for (std::uint64_t first = 0; whole && first < n; first += per_block) {
    const std::uint64_t count = std::min(per_block, n - first);
    unsigned char* block = level0 ? level0 + first * record : buffer.data();
    in.read(block, count * record, "level 0");
    for (std::uint64_t i = 0; i < count; ++i) check_element(block + i * record, first + i);
  }

  // Upper levels: an element of level L has L lists. A neighbour on level l must itself have a list
  // on level l, which can only be checked once every element's level is known.
  const std::uint64_t list_bytes = 4 * h.max_m + 4;
  std::vector<std::uint8_t> level(n, 0);
  std::vector<std::pair<std::uint32_t, std::uint8_t>> upper_links;
  std::vector<unsigned char> lists;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint32_t bytes = 0;
    in.read(&bytes, sizeof bytes, "link lists");
    const auto at = [i] { return "element " + std::to_string(i); };  // for a message only: a million elements
    if (bytes % list_bytes != 0 || bytes / list_bytes > std::uint64_t(h.max_level) || bytes > size - in.offset()) {
      throw FormatError(path, "link lists", at() + ": bad size " + std::to_string(bytes));
    }
    level[i] = std::uint8_t(bytes / list_bytes);
    lists.resize(bytes);
    in.read(lists.data(), bytes, "link lists");
    for (std::uint8_t l = 1; l <= level[i]; ++l) {
      const unsigned char* list = lists.data() + (l - 1) * list_bytes;
      const unsigned links = get<std::uint16_t>(list, 0);
      if (links > h.max_m || list[2] != 0 || list[3] != 0) throw FormatError(path, "link lists", at() + ": bad list");
      for (unsigned j = 0; j < links; ++j) {
        const std::uint32_t to = get<std::uint32_t>(list, 4 + 4 * j);
        if (to >= n) throw FormatError(path, "link lists", at() + ": neighbour id out of range");
        upper_links.emplace_back(to, l);
      }
    }
    if (sink && bytes > 0) sink->upper_levels(i, lists.data(), bytes);
  }
  for (const auto& [to, l] : upper_links) {
    if (level[to] < l) throw FormatError(path, "link lists", "a link points to a level its element does not have");
  }
  if (level[h.entry_point] != h.max_level) {
    throw FormatError(path, "enterpoint_node_", "does not have the top level (corrupt file)");
  }
  if (in.offset() != size) throw FormatError(path, "", "has trailing bytes after the last link list");
  if (whole && in.crc() != want.crc32) {
    throw FormatError(path, "",
                      "CRC-32 is " + hex32(in.crc()) + " but the sidecar records " + hex32(want.crc32) + ": " +
                          kNotItsFile + " (corrupt, or replaced by another index's file)");
  }
  return result;
}

}  // namespace sim
