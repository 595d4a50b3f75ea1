// The index artifact on disk: round trips of both types (and of the sidecar alone), the two-file
// write surviving a kill at every step, and every broken sidecar refused with a FormatError.
#include <doctest/doctest.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "commands/index_command.hpp"
#include "formats/h5.hpp"
#include "search/index_file.hpp"
#include "search/index_test_data.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

using sim::test::error_of;

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kDim = 8;

sim::Embeddings sample(std::size_t n, std::uint64_t seed, const std::string& prefix = "item-") {
  const auto data = sim::test::clustered(n, kDim, 4, seed);
  return sim::test::embeddings(data.points, kDim, data.label, {"ant", "bee", "cat", "dog"}, prefix);
}

sim::IndexArtifact built(std::size_t n, bool exact = false, std::uint64_t seed = 1) {
  sim::BuildOptions options;
  options.exact = exact;
  options.threads = 1;
  return sim::build_index(sample(n, seed), "in.h5", options);
}

std::vector<std::string> files(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string load_error(const std::string& path) {
  return error_of([&] { (void)sim::load_index(path); });
}

// Edits a sidecar in place with the raw HDF5 API.
class Edit {
 public:
  explicit Edit(const std::string& path) : file_(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) {
    if (file_ < 0) throw std::runtime_error("cannot open " + path);
  }
  ~Edit() { H5Fclose(file_); }
  Edit(const Edit&) = delete;
  Edit& operator=(const Edit&) = delete;
  void set(const char* name, const std::string& value) {
    H5Adelete(file_, name);
    sim::write_string_attribute(file_, name, value, "test");
  }
  void set(const char* name, std::int64_t value) {
    H5Adelete(file_, name);
    sim::write_int_attribute(file_, name, value, "test");
  }
  void drop_attribute(const char* name) { H5Adelete(file_, name); }
  void labels(const std::vector<std::int64_t>& values) {
    H5Ldelete(file_, "labels", H5P_DEFAULT);
    sim::write_dataset(file_, "labels", H5T_STD_I64LE, H5T_NATIVE_INT64, values.data(), {values.size()}, "test");
  }
  void ids(const std::vector<std::string>& values) {
    H5Ldelete(file_, "ids", H5P_DEFAULT);
    sim::write_strings(file_, "ids", values, "test");
  }

 private:
  hid_t file_;
};

}  // namespace

TEST_CASE("HNSW index: save, load, same answers; the sidecar alone; sidecar-only updates keep the graph") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/my.idx";
  sim::IndexArtifact a = built(400);
  a.index->mark_deleted(3);
  sim::save_index(a, path, R"({"program":"test"})");
  CHECK(files(dir.path()) == std::vector<std::string>{"my.idx", "my.idx.g1.hnsw", "my.idx.lock"});

  const sim::IndexArtifact b = sim::load_index(path);
  CHECK(b.type == sim::IndexType::Hnsw);
  CHECK(b.ids == a.ids);
  CHECK(b.labels == a.labels);
  CHECK(b.classes == a.classes);
  CHECK(b.model_fingerprint == "fp");
  CHECK(b.hnsw.ef == a.hnsw.ef);
  CHECK(b.recall.recall == a.recall.recall);
  CHECK(b.recall.target == a.recall.target);
  CHECK(b.recall.sample == a.recall.sample);
  CHECK(b.index->is_deleted(3));
  CHECK(b.history == std::vector<std::string>{R"({"program":"test"})"});
  const auto q = sample(30, 9);
  CHECK(b.index->search(q.data.data(), 30, 5, {}).positions == a.index->search(q.data.data(), 30, 5, {}).positions);

  const sim::IndexArtifact meta = sim::load_index(path, false);
  CHECK(meta.index == nullptr);
  CHECK(meta.ids == a.ids);
  CHECK(meta.is_deleted(3));
  CHECK(meta.hnsw_file == "my.idx.g1.hnsw");

  // Calibration only: the hnswlib file is kept, the sidecar rewritten.
  sim::IndexArtifact c = sim::load_index(path);
  c.calibration.names = {"optimal", "strict"};
  c.calibration.thresholds = {0.25, 0.1};
  c.calibration.default_name = "strict";
  c.calibration.source = "test.h5";
  sim::save_index(c, path, "");
  CHECK(files(dir.path()) == std::vector<std::string>{"my.idx", "my.idx.g1.hnsw", "my.idx.lock"});
  const sim::IndexArtifact d = sim::load_index(path);
  CHECK(d.calibration.names == c.calibration.names);
  CHECK(*d.calibration.threshold() == doctest::Approx(0.1));
  CHECK(*d.calibration.threshold("optimal") == doctest::Approx(0.25));
  CHECK(!d.calibration.threshold("nope"));

  // A changed graph: a new generation, the old file removed after the sidecar names the new one.
  sim::IndexArtifact e = sim::load_index(path);
  sim::add_to_index(e, sample(5, 3, "new-"), "new.h5", {});
  sim::save_index(e, path, "");
  CHECK(files(dir.path()) == std::vector<std::string>{"my.idx", "my.idx.g2.hnsw", "my.idx.lock"});
  CHECK(sim::load_index(path).size() == 405);
}

TEST_CASE("exact index: vectors in the sidecar, deleted rows dropped on save") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/ex.idx";
  sim::IndexArtifact a = built(50, true);
  a.index->mark_deleted(0);
  a.index->mark_deleted(10);
  sim::save_index(a, path, "");
  CHECK(files(dir.path()) == std::vector<std::string>{"ex.idx", "ex.idx.lock"});
  const sim::IndexArtifact b = sim::load_index(path);
  CHECK(b.type == sim::IndexType::Exact);
  CHECK(b.size() == 48);
  CHECK(b.ids.front() == "item-1");
  CHECK(b.index->deleted_count() == 0);
  const auto q = sample(5, 7);
  CHECK(b.index->search(q.data.data(), 5, 3, {}).distances == a.index->search(q.data.data(), 5, 3, {}).distances);
}

TEST_CASE("killed at any step of a save, the index on disk is the old one or the new one, whole") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/k.idx";
  sim::IndexArtifact a = built(200);
  sim::save_index(a, path, "");
  for (const std::string step : {"hnsw file committed", "sidecar committed"}) {
    CAPTURE(step);
    const std::size_t before = sim::load_index(path).size();
    const pid_t child = ::fork();
    if (child == 0) {
      sim::IndexArtifact grown = sim::load_index(path);
      sim::add_to_index(grown, sample(7, 40 + before, "more" + std::to_string(before) + "-"), "x.h5", {});
      sim::SaveOptions options;
      options.after_step = [&](const std::string& s) {
        if (s == step) ::kill(::getpid(), SIGKILL);
      };
      sim::save_index(grown, path, "", options);
      ::_exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    const sim::IndexArtifact after = sim::load_index(path);  // loadable, whole
    CHECK(after.size() == (step == "sidecar committed" ? before + 7 : before));
  }
  // The strays the kills left (an unreferenced hnswlib file) do not stop the next save.
  sim::IndexArtifact last = sim::load_index(path);
  sim::add_to_index(last, sample(3, 99, "last-"), "y.h5", {});
  sim::save_index(last, path, "");
  CHECK(sim::load_index(path).size() == 210);
}

TEST_CASE("a save never replaces a file that is not an index") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/emb.h5";
  std::ofstream(path) << "precious";
  sim::IndexArtifact a = built(20);
  CHECK_THROWS_AS(sim::save_index(a, path, ""), sim::IoError);
  std::ifstream in(path);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "precious");
}

TEST_CASE("broken sidecars are refused, naming the file and the field") {
  sim::test::TempDir dir;
  const std::string good = dir.path() + "/good.idx";
  sim::IndexArtifact a = built(60);
  sim::save_index(a, good, "");
  const std::string hnsw = dir.path() + "/good.idx.g1.hnsw";
  int n = 0;
  // A copy of the good sidecar (naming the same hnswlib file, beside it), edited by `edit`.
  auto broken = [&](const std::function<void(Edit&)>& edit) {
    const std::string path = dir.path() + "/b" + std::to_string(++n) + ".idx";
    fs::copy_file(good, path);
    {
      Edit e(path);
      edit(e);
    }
    return load_error(path);
  };
  CHECK(broken([](Edit& e) { e.set("format", std::string("sim-embeddings")); }).find("embeddings file") !=
        std::string::npos);
  CHECK(broken([](Edit& e) { e.set("format", std::string("zip")); }).find("format: is 'zip'") != std::string::npos);
  CHECK(broken([](Edit& e) { e.drop_attribute("format"); }).find("format: missing") != std::string::npos);
  CHECK(broken([](Edit& e) { e.set("version", std::int64_t(2)); }).find("newer sim") != std::string::npos);
  CHECK(broken([](Edit& e) { e.drop_attribute("count"); }).find("count: missing") != std::string::npos);
  CHECK(broken([](Edit& e) { e.set("count", std::int64_t(1) << 50); }).find("count: is") != std::string::npos);
  CHECK(broken([](Edit& e) { e.set("dim", std::int64_t(0)); }).find("dim: is 0") != std::string::npos);
  CHECK(broken([](Edit& e) { e.set("M", std::int64_t(1) << 40); }).find("M: is") != std::string::npos);
  // The largest dim a sidecar may claim: a clean refusal, before anything is allocated for it (found
  // by fuzz_hnsw_file: the index used to reserve room for 1024 items of that size, 64 GiB, and later
  // a graph of the sidecar's count of them, before checking its hnswlib file).
  CHECK(broken([](Edit& e) { e.set("dim", std::int64_t(1) << 24); }).find("cannot hold the sidecar's") !=
        std::string::npos);
  CHECK(broken([](Edit& e) { e.set("hnsw_file", std::string("../etc/passwd")); }).find("hnsw_file") !=
        std::string::npos);
  CHECK(broken([](Edit& e) { e.set("hnsw_file_crc32", std::int64_t(12345)); }).find("CRC-32") != std::string::npos);
  CHECK(broken([](Edit& e) { e.set("M", std::int64_t(12)); }).find("maxM_") != std::string::npos);
  CHECK(broken([](Edit& e) { e.labels(std::vector<std::int64_t>(60, 9)); }).find("labels") != std::string::npos);
  CHECK(broken([](Edit& e) { e.ids(std::vector<std::string>(60, "same")); }).find("appears twice") !=
        std::string::npos);
  CHECK(broken([](Edit& e) {
          std::vector<std::string> ids;
          for (int i = 0; i < 60; ++i) ids.push_back("id-" + std::to_string(i == 47 ? 5 : i));  // one repeat
          e.ids(ids);
        }).find("ids: 'id-5' appears twice") != std::string::npos);
  CHECK(broken([](Edit& e) { e.ids({"too", "few"}); }).find("ids: has shape [2]") != std::string::npos);

  // Truncated sidecars, at several lengths.
  std::ifstream in(good, std::ios::binary);
  const std::string bytes(std::istreambuf_iterator<char>(in), {});
  for (std::size_t keep : {std::size_t(0), std::size_t(7), std::size_t(100), bytes.size() / 3, bytes.size() - 1}) {
    CAPTURE(keep);
    const std::string cut = dir.path() + "/cut" + std::to_string(keep) + ".idx";
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, keep);
    const std::string e = load_error(cut);
    CHECK(e.find(cut) == 0);
  }
  CHECK(load_error(dir.path() + "/missing.idx").find("not the expected error type") != std::string::npos);  // IoError
  CHECK_THROWS_AS(sim::load_index(dir.path() + "/missing.idx"), sim::IoError);

  // The hnswlib file missing, truncated, or another index's.
  const std::string other = dir.path() + "/other.idx";
  sim::IndexArtifact o = built(60, false, 2);
  sim::save_index(o, other, "");
  fs::copy_file(hnsw, dir.path() + "/good.backup");
  fs::copy_file(dir.path() + "/other.idx.g1.hnsw", hnsw, fs::copy_options::overwrite_existing);
  CHECK(load_error(good).find("good.idx.g1.hnsw") != std::string::npos);
  fs::resize_file(hnsw, 1000);
  CHECK(load_error(good).find("truncated or replaced") != std::string::npos);
  fs::remove(hnsw);
  CHECK_THROWS_AS(sim::load_index(good), sim::IoError);
  fs::copy_file(dir.path() + "/good.backup", hnsw);
  CHECK(sim::load_index(good).size() == 60);
}
