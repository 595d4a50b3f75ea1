// Pictures kept in the index (sim-index --store-data): each item's bytes stay with its id through
// save, load, add, replace, delete and an exact index's compaction; a sidecar whose `data` or
// `data_offsets` do not fit is refused naming the field.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "commands/index_command.hpp"
#include "data/item_images.hpp"
#include "fixtures.hpp"
#include "formats/h5.hpp"
#include "formats/image.hpp"
#include "search/index_file.hpp"
#include "search/index_test_data.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

namespace fx = sim::fixtures;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kDim = 8;
constexpr int kHeight = 6, kWidth = 5;
constexpr std::uint64_t kSeed = 30;

// n items whose ids are `prefix` + i (e.g. "FILE#" for IDX items).
sim::Embeddings sample(std::size_t n, std::uint64_t seed, const std::string& prefix) {
  const auto data = sim::test::clustered(n, kDim, 3, seed);
  return sim::test::embeddings(data.points, kDim, data.label, {"ant", "bee", "cat"}, prefix);
}

// Embeddings of rows [first, first + n) of an IDX file.
sim::Embeddings idx_items(const std::string& idx, std::size_t first, std::size_t n) {
  sim::Embeddings e = sample(n, 100 + first, "unused-");
  for (std::size_t i = 0; i < n; ++i) e.ids[i] = idx + "#" + std::to_string(first + i);
  return e;
}

std::vector<unsigned char> idx_pixels(std::size_t row) {
  std::vector<unsigned char> out;
  for (int y = 0; y < kHeight; ++y) {
    for (int x = 0; x < kWidth; ++x) out.push_back(fx::pixel(kSeed + row, x, y, 0));
  }
  return out;
}

// Every position's picture is the one of the IDX row its id names: data moved with ids.
void check_aligned(const sim::IndexArtifact& a) {
  REQUIRE(a.data.size() == a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(a.ids[i]);
    REQUIRE(!a.data[i].empty());
    const auto item = sim::parse_idx_item_id(a.ids[i]);
    REQUIRE(item);
    CHECK(sim::decode_image_bytes(a.data[i], 1, a.ids[i]).pixels == idx_pixels(item->row));
  }
}

// Replaces dataset `name` of a sidecar by `n` values of `type` (or deletes it when values is null).
void rewrite(const std::string& path, const char* name, hid_t file_type, hid_t memory_type, const void* values,
             std::size_t n) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) throw std::runtime_error("cannot open " + path);
  H5Ldelete(file, name, H5P_DEFAULT);
  if (values != nullptr) sim::write_dataset(file, name, file_type, memory_type, values, {n}, "test");
  H5Fclose(file);
}

}  // namespace

TEST_CASE("stored pictures follow their items through save, load, add, delete and compaction") {
  sim::test::TempDir dir;
  const std::string idx = dir.path() + "/train-images-idx3-ubyte";
  fx::write_idx_images(idx, 60, kHeight, kWidth, kSeed, false);
  for (const bool exact : {false, true}) {
    CAPTURE(exact);
    const std::string path = dir.path() + (exact ? "/exact.idx" : "/hnsw.idx");
    sim::BuildOptions build;
    build.exact = exact;
    build.store_data = true;
    sim::IndexArtifact a = sim::build_index(idx_items(idx, 0, 20), "a.h5", build);
    check_aligned(a);
    sim::save_index(a, path, "");
    sim::IndexArtifact b = sim::load_index(path);
    CHECK(b.data == a.data);
    CHECK(sim::describe_index(b).find("data: pictures of 20 of 20 items, ") != std::string::npos);

    // An index that stores pictures keeps storing them, --store-data or not.
    sim::add_to_index(b, idx_items(idx, 20, 10), "b.h5", {});
    sim::save_index(b, path, "");
    sim::IndexArtifact c = sim::load_index(path);
    CHECK(c.size() == 30);
    check_aligned(c);

    // Deleting: an exact index drops the rows (ids, labels, payloads and data shift together).
    sim::delete_from_index(c, {idx + "#0", idx + "#7", idx + "#29"});
    sim::save_index(c, path, "");
    sim::IndexArtifact d = sim::load_index(path);
    CHECK(d.size() == (exact ? 27u : 30u));
    CHECK(d.ids.front() == (exact ? idx + "#1" : idx + "#0"));
    check_aligned(d);

    // A deleted item coming back, and --replace, store the picture again.
    sim::AddOptions replace;
    replace.replace = true;
    sim::add_to_index(d, idx_items(idx, 5, 3), "c.h5", replace);  // #5, #6 live; #7 revived
    sim::save_index(d, path, "");
    const sim::IndexArtifact e = sim::load_index(path);
    CHECK(e.size() == (exact ? 28u : 30u));
    check_aligned(e);
  }
}

TEST_CASE("--store-data on an index without pictures stores those of the items already in it") {
  sim::test::TempDir dir;
  const std::string idx = dir.path() + "/t10k-images-idx3-ubyte";
  fx::write_idx_images(idx, 30, kHeight, kWidth, kSeed, false);
  sim::BuildOptions build;
  sim::IndexArtifact a = sim::build_index(idx_items(idx, 0, 10), "a.h5", build);
  CHECK(a.data.empty());
  CHECK(sim::describe_index(a).find("data: none") != std::string::npos);
  // The payload of an IDX item: its file's absolute path and the row, found from anywhere later.
  CHECK(a.payloads.at(7) == fs::canonical(idx).string() + "#7");
  a.index->mark_deleted(4);
  sim::AddOptions add;
  add.store_data = true;
  sim::add_to_index(a, idx_items(idx, 10, 5), "b.h5", add);
  REQUIRE(a.data.size() == 15);
  CHECK(a.data[4].empty());  // deleted: nothing to show
  for (std::size_t i = 0; i < 15; ++i) {
    CAPTURE(i);
    if (i != 4) CHECK(sim::decode_image_bytes(a.data[i], 1, "x").pixels == idx_pixels(i));
  }
}

TEST_CASE("items without a picture store nothing, image files are kept byte for byte") {
  sim::test::TempDir dir;
  const std::string png = dir.path() + "/shoe.png";
  fx::write_png(png, 9, 7, 3, 2);
  sim::Embeddings e = sample(4, 1, "key-");
  e.ids[1] = png;
  sim::BuildOptions build;
  build.store_data = true;
  build.exact = true;
  sim::IndexArtifact a = sim::build_index(e, "e.h5", build);
  REQUIRE(a.data.size() == 4);
  CHECK(a.data[0].empty());
  CHECK(a.data[1] == sim::test::slurp(png));
  CHECK(a.payloads[1] == fs::canonical(png).string());
  const std::string path = dir.path() + "/mixed.idx";
  sim::save_index(a, path, "");
  const sim::IndexArtifact b = sim::load_index(path);
  CHECK(b.data == a.data);
  CHECK(sim::describe_index(b).find("data: pictures of 1 of 4 items, " + std::to_string(a.data[1].size()) + " bytes") !=
        std::string::npos);
}

TEST_CASE("data that does not fit the index is refused, naming the file and the field") {
  sim::test::TempDir dir;
  const std::string idx = dir.path() + "/images-idx3-ubyte";
  fx::write_idx_images(idx, 12, kHeight, kWidth, kSeed, false);
  sim::BuildOptions build;
  build.store_data = true;
  sim::IndexArtifact a = sim::build_index(idx_items(idx, 0, 12), "a.h5", build);
  const std::string good = dir.path() + "/good.idx";
  sim::save_index(a, good, "");
  int n = 0;
  const auto copy = [&] {
    const std::string path = dir.path() + "/b" + std::to_string(++n) + ".idx";
    fs::copy_file(good, path);  // names good.idx.g1.hnsw, which is beside it: only `data` differs
    return path;
  };
  const auto load_error = [](const std::string& path) {
    return sim::test::error_of([&] { (void)sim::load_index(path); });
  };

  std::vector<std::uint64_t> offsets{0};
  for (const std::string& d : a.data) offsets.push_back(offsets.back() + d.size());
  const std::uint64_t total = offsets.back();
  const auto with_offsets = [&](std::vector<std::uint64_t> values) {
    const std::string path = copy();
    rewrite(path, "data_offsets", H5T_STD_U64LE, H5T_NATIVE_UINT64, values.data(), values.size());
    return path;
  };
  std::string path = with_offsets({offsets.begin(), offsets.end() - 1});  // one short
  CHECK(load_error(path).find(path + ": data_offsets: has 12 entries, expected one more than the 12 items") == 0);
  std::vector<std::uint64_t> beyond = offsets;
  beyond.back() += 1;
  path = with_offsets(beyond);
  CHECK(load_error(path).find(path + ": data_offsets: must run from 0 to the size of `data` (" + std::to_string(total) +
                              " bytes)") == 0);
  std::vector<std::uint64_t> backwards = offsets;
  std::swap(backwards[3], backwards[4]);
  path = with_offsets(backwards);
  CHECK(load_error(path).find(path + ": data_offsets: decreases at item") == 0);
  path = copy();
  rewrite(path, "data_offsets", 0, 0, nullptr, 0);
  CHECK(load_error(path).find(path + ": data_offsets: missing") == 0);
  path = copy();
  rewrite(path, "data", 0, 0, nullptr, 0);
  CHECK(load_error(path).find(path + ": data: dataset is missing") == 0);

  // `data` cut short, or not bytes.
  const std::string all(total - 1, 'x');
  path = copy();
  rewrite(path, "data", H5T_STD_U8LE, H5T_NATIVE_UINT8, all.data(), all.size());
  CHECK(load_error(path).find(path + ": data_offsets: must run from 0 to the size of `data` (" +
                              std::to_string(total - 1) + " bytes)") == 0);
  std::vector<std::int32_t> wide(total, 7);
  path = copy();
  rewrite(path, "data", H5T_STD_I32LE, H5T_NATIVE_INT32, wide.data(), wide.size());
  CHECK(load_error(path).find(path + ": data: expected bytes (uint8)") == 0);

  CHECK(sim::load_index(good).data == a.data);

  // Truncated anywhere, never a crash: an error naming the file.
  const std::string bytes = sim::test::slurp(good);
  for (std::size_t keep = bytes.size() / 8; keep < bytes.size(); keep += bytes.size() / 8) {
    CAPTURE(keep);
    const std::string cut = dir.path() + "/cut" + std::to_string(keep) + ".idx";
    fx::write_bytes(cut, bytes.substr(0, keep));
    CHECK(load_error(cut).find(cut) == 0);
  }
}
