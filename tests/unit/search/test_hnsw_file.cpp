// The hnswlib file reader refuses every damaged file with a FormatError before hnswlib's own
// loader (which trusts every number) sees it: truncation anywhere, absurd header sizes, links out
// of range, and a file that is not the one the sidecar was written with.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "search/hnsw_file.hpp"
#include "search/hnsw_index.hpp"
#include "search/index_test_data.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

using sim::test::error_of;
using sim::test::slurp;

namespace {

constexpr std::size_t kDim = 8;

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

struct Written {
  std::string path;
  sim::HnswExpected expected;
};

Written write_index(const std::string& dir, std::size_t n, std::uint64_t seed, const std::string& name = "a.hnsw") {
  const auto data = sim::test::clustered(n, kDim, 10, seed);
  sim::HnswIndex index(sim::Distance::Euclidean, kDim, sim::HnswParams{});
  index.add(data.points.data(), n, 1);
  Written w;
  w.path = dir + "/" + name;
  sim::AtomicFile out(w.path);
  const sim::HnswFileStamp stamp = index.write(out);
  out.commit();
  w.expected.count = n;
  w.expected.dim = kDim;
  w.expected.m = 16;
  w.expected.ef_construction = 200;
  w.expected.file_size = stamp.size;
  w.expected.crc32 = stamp.crc32;
  return w;
}

// The file with `patch` applied at `offset` (same size), checked against the original's record.
std::string patched_error(const Written& w, std::size_t offset, const void* patch, std::size_t size) {
  std::string bytes = slurp(w.path);
  std::memcpy(bytes.data() + offset, patch, size);
  const std::string path = w.path + ".patched";
  spit(path, bytes);
  return error_of([&] { (void)sim::check_hnsw_file(path, w.expected); });
}

}  // namespace

TEST_CASE("a good hnswlib file passes and its header is what hnswlib builds for the parameters") {
  sim::test::TempDir dir;
  const Written w = write_index(dir.path(), 300, 1);
  const sim::HnswFileCheck check = sim::check_hnsw_file(w.path, w.expected);
  const sim::HnswHeader want = sim::expected_hnsw_layout(300, kDim, 16, 200);
  CHECK(check.header.count == 300);
  CHECK(check.header.max_elements == 300);
  CHECK(check.header.size_data_per_element == want.size_data_per_element);
  CHECK(check.header.mult == want.mult);
  CHECK(check.deleted == std::vector<std::uint8_t>(300, 0));
  unsigned char raw[sim::kHnswHeaderBytes];
  sim::encode_hnsw_header(check.header, raw);
  CHECK(std::string(reinterpret_cast<char*>(raw), sizeof raw) == slurp(w.path).substr(0, sim::kHnswHeaderBytes));
}

TEST_CASE("a directory where the hnswlib file should be is named as one, not as a size mismatch") {
  sim::test::TempDir dir;
  const Written w = write_index(dir.path(), 20, 3);
  std::filesystem::create_directory(dir.path() + "/d.hnsw");
  const std::string e = error_of([&] { (void)sim::check_hnsw_file(dir.path() + "/d.hnsw", w.expected); });
  CHECK(e.find("d.hnsw: is a directory, expected the index's hnswlib file") != std::string::npos);
}

TEST_CASE("a truncated hnswlib file is refused at every offset") {
  sim::test::TempDir dir;
  const Written w = write_index(dir.path(), 200, 2);
  const std::string bytes = slurp(w.path);
  const std::size_t s = w.expected.file_size;
  for (std::size_t keep :
       {std::size_t(0), std::size_t(10), std::size_t(95), std::size_t(96), std::size_t(500), s / 2, s - 5, s - 1}) {
    CAPTURE(keep);
    spit(w.path + ".cut", bytes.substr(0, keep));
    // Against its sidecar's record: the size differs.
    CHECK(error_of([&] {
            (void)sim::check_hnsw_file(w.path + ".cut", w.expected);
          }).find("not the file its sidecar was written with") != std::string::npos);
    // Even with a record that matches the cut size, the structure gives it away.
    sim::HnswExpected lying = w.expected;
    lying.file_size = keep;
    const std::string e = error_of([&] { (void)sim::check_hnsw_file(w.path + ".cut", lying); });
    CHECK(e.find(w.path + ".cut") == 0);
    CHECK(e.find("not the expected error type") == std::string::npos);
  }
}

TEST_CASE("absurd or inconsistent header fields are refused before anything is allocated") {
  sim::test::TempDir dir;
  const Written w = write_index(dir.path(), 200, 3);
  const std::uint64_t huge = std::uint64_t(1) << 60;
  const std::int32_t high_level = 1000;
  const std::uint32_t far_entry = 5000;
  CHECK(patched_error(w, 8, &huge, 8).find("max_elements_") != std::string::npos);
  CHECK(patched_error(w, 16, &huge, 8).find("cur_element_count") != std::string::npos);
  CHECK(patched_error(w, 24, &huge, 8).find("size_data_per_element_") != std::string::npos);
  CHECK(patched_error(w, 48, &high_level, 4).find("maxlevel_") != std::string::npos);
  CHECK(patched_error(w, 52, &far_entry, 4).find("enterpoint_node_") != std::string::npos);
  CHECK(patched_error(w, 72, &huge, 8).find("M_") != std::string::npos);
  const double bad_mult = 3.5;
  CHECK(patched_error(w, 80, &bad_mult, 8).find("mult_") != std::string::npos);
  // The first element's first neighbour, and its label.
  const std::uint32_t far_neighbour = 999999;
  CHECK(patched_error(w, 96 + 4, &far_neighbour, 4).find("neighbour id out of range") != std::string::npos);
  const sim::HnswHeader h = sim::expected_hnsw_layout(200, kDim, 16, 200);
  // Element 0 given element 1's label: a label repeated (and one missing).
  const std::string bytes = slurp(w.path);
  std::uint64_t other = 0;
  std::memcpy(&other, bytes.data() + 96 + h.size_data_per_element + h.label_offset, 8);
  CHECK(patched_error(w, 96 + h.label_offset, &other, 8).find("repeated") != std::string::npos);
  const float nan = std::nanf("");
  CHECK(patched_error(w, 96 + h.offset_data, &nan, 4).find("NaN") != std::string::npos);
  const unsigned char flags = 7;
  CHECK(patched_error(w, 96 + 2, &flags, 1).find("bad link list") != std::string::npos);
}

TEST_CASE("a file that is not the sidecar's is refused: size or CRC-32") {
  sim::test::TempDir dir;
  const Written a = write_index(dir.path(), 200, 4, "a.hnsw");
  const Written b = write_index(dir.path(), 200, 5, "b.hnsw");
  const std::string e = error_of([&] { (void)sim::check_hnsw_file(b.path, a.expected); });
  CHECK(e.find("not the file its sidecar was written with") != std::string::npos);
  // One bit of one vector: everything else checks out, the CRC-32 does not.
  const sim::HnswHeader h = sim::expected_hnsw_layout(200, kDim, 16, 200);
  std::string bytes = slurp(a.path);
  bytes[96 + h.offset_data] ^= 1;
  spit(a.path + ".bit", bytes);
  const std::string crc = error_of([&] { (void)sim::check_hnsw_file(a.path + ".bit", a.expected); });
  CHECK(crc.find("CRC-32") != std::string::npos);
  CHECK(crc.find("not the file its sidecar was written with") != std::string::npos);
}
