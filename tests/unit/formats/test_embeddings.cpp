// The embeddings artifact: round trips (files and pipes), byte-for-byte determinism, a writer that
// never leaves a partial file, and every broken file the reader must refuse with a FormatError.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/error.hpp"
#include "base/provenance.hpp"
#include "fixtures.hpp"
#include "formats/embeddings.hpp"
#include "formats/embeddings_foreign.hpp"
#include "formats/h5.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

using sim::test::error_of;
using sim::test::slurp;

namespace fx = sim::fixtures;

namespace {

// --- Content ---------------------------------------------------------------------------------------

struct Content {
  std::vector<float> rows;
  std::vector<std::int64_t> labels;
  std::vector<std::string> ids;
};

// n rows of `dim` values, labels cycling through -1 .. classes-1, ids with non-ASCII names.
Content content(std::size_t n, std::size_t dim, std::int64_t classes = 3) {
  Content c;
  for (std::size_t r = 0; r < n; ++r) {
    for (std::size_t d = 0; d < dim; ++d) c.rows.push_back(float(r) * 0.5f - float(d) / 7.0f);
    c.labels.push_back(std::int64_t(r % std::size_t(classes + 1)) - 1);
    c.ids.push_back(r % 3 == 0 ? "photos/été/" + std::to_string(r) + ".png" : "キー-" + std::to_string(r));
  }
  return c;
}

sim::EmbeddingsMeta meta(std::size_t dim = 4) {
  sim::EmbeddingsMeta m;
  m.distance = sim::Distance::Euclidean;
  m.dim = dim;
  m.classes = {"cat", "dog", "café"};
  m.model_fingerprint = "sha256:0123abcd";
  return m;
}

// Writes `c` in batches of the given sizes (the rest in one last batch).
void write(const std::string& path, const sim::EmbeddingsMeta& m, const Content& c,
           const std::vector<std::size_t>& batches = {}) {
  sim::EmbeddingsWriter w(path, m);
  std::size_t at = 0;
  auto batch = [&](std::size_t k) {
    const std::vector<std::string> ids(c.ids.begin() + std::ptrdiff_t(at), c.ids.begin() + std::ptrdiff_t(at + k));
    w.append(c.rows.data() + at * m.dim, k, c.labels.data() + at, ids);
    at += k;
  };
  for (std::size_t k : batches) batch(k);
  batch(c.ids.size() - at);
  w.close();
}

// Compared as a bool: on failure doctest would print both files' bytes.
bool same_bytes(const std::string& a, const std::string& b) { return slurp(a) == slurp(b); }

std::size_t entries(const std::string& dir) {
  return std::size_t(std::distance(std::filesystem::directory_iterator(dir), {}));
}

std::string read_error(const std::string& path) {
  return error_of([&] { (void)sim::read_embeddings(path); });
}

// --- Breaking files with the raw HDF5 API ---------------------------------------------------------

class Edit {
 public:
  explicit Edit(const std::string& path) : file_(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)) {
    if (file_ < 0) throw std::runtime_error("cannot open " + path);
  }
  ~Edit() { H5Fclose(file_); }
  Edit(const Edit&) = delete;
  Edit& operator=(const Edit&) = delete;

  void drop_attribute(const char* name) { H5Adelete(file_, name); }
  void set_attribute(const char* name, const std::string& value) {
    drop_attribute(name);
    sim::write_string_attribute(file_, name, value, "test");
  }
  void set_attribute(const char* name, std::int64_t value) {
    drop_attribute(name);
    sim::write_int_attribute(file_, name, value, "test");
  }
  // An unsigned 64-bit attribute, as h5py writes numpy's uint64.
  void set_unsigned_attribute(const char* name, std::uint64_t value) {
    drop_attribute(name);
    const sim::H5Handle space{H5Screate(H5S_SCALAR), H5Sclose};
    const sim::H5Handle attr{H5Acreate2(file_, name, H5T_STD_U64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose};
    H5Awrite(attr.get(), H5T_NATIVE_UINT64, &value);
  }
  void drop(const char* dataset) { H5Ldelete(file_, dataset, H5P_DEFAULT); }

  // Replaces a dataset by a contiguous one of the given shape and content.
  void floats(const char* name, const std::vector<hsize_t>& dims, const std::vector<float>& values) {
    replace(name, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, values.data());
  }
  void doubles(const char* name, const std::vector<hsize_t>& dims, const std::vector<double>& values) {
    replace(name, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, values.data());
  }
  void int64s(const char* name, const std::vector<std::int64_t>& values) {
    replace(name, {values.size()}, H5T_STD_I64LE, H5T_NATIVE_INT64, values.data());
  }
  void uint64s(const char* name, const std::vector<std::uint64_t>& values) {
    replace(name, {values.size()}, H5T_STD_U64LE, H5T_NATIVE_UINT64, values.data());
  }
  void strings(const char* name, const std::vector<std::string>& values) {
    std::vector<const char*> raw;
    for (const auto& v : values) raw.push_back(v.c_str());
    const sim::H5Handle type = sim::utf8_string_type();
    replace(name, {values.size()}, type.get(), type.get(), raw.data());
  }
  // A chunked dataset claiming `rows` x `dim` values with no data written: a tiny file.
  void huge_unwritten(const char* name, hsize_t rows, hsize_t dim) {
    drop(name);
    const hsize_t dims[2] = {rows, dim}, chunk[2] = {1024, dim};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 2, chunk);
    H5Dclose(H5Dcreate2(file_, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    H5Pclose(dcpl);
    H5Sclose(space);
  }
  void set_float(std::size_t row, std::size_t col, float value) {
    const hid_t set = H5Dopen2(file_, "embeddings", H5P_DEFAULT);
    const hid_t space = H5Dget_space(set);
    const hsize_t start[2] = {row, col}, one[2] = {1, 1};
    H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, one, nullptr);
    const hid_t mem = H5Screate_simple(2, one, nullptr);
    H5Dwrite(set, H5T_NATIVE_FLOAT, mem, space, H5P_DEFAULT, &value);
    H5Sclose(mem);
    H5Sclose(space);
    H5Dclose(set);
  }

 private:
  void replace(const char* name, const std::vector<hsize_t>& dims, hid_t file_type, hid_t mem_type, const void* data) {
    drop(name);
    const hid_t space = H5Screate_simple(int(dims.size()), dims.data(), nullptr);
    const hid_t set = H5Dcreate2(file_, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(set, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(set);
    H5Sclose(space);
  }
  hid_t file_;
};

// --- Standard streams ---------------------------------------------------------------------------------

// Points fd 0, 1 or 2 at another descriptor for the life of the object. No doctest CHECK may run
// while stdout is redirected: its report would land in the file.
class Redirect {
 public:
  Redirect(int fd, int to) : fd_(fd), saved_(::dup(fd)) {
    flush();
    ::dup2(to, fd);
  }
  ~Redirect() {
    flush();
    ::dup2(saved_, fd_);
    ::close(saved_);
  }
  Redirect(const Redirect&) = delete;
  Redirect& operator=(const Redirect&) = delete;

 private:
  static void flush() {
    std::cout.flush();
    std::fflush(stdout);
    std::fflush(stderr);
  }
  int fd_, saved_;
};

int open_or_throw(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  return fd;
}

// Writes `c` to stdout redirected into `path`; returns the error close() threw, if any.
std::string write_to_stdout_file(const std::string& path, const sim::EmbeddingsMeta& m, const Content& c) {
  const int fd = open_or_throw(path, O_WRONLY | O_CREAT | O_TRUNC);
  std::string error;
  {
    Redirect out(STDOUT_FILENO, fd);
    try {
      write("-", m, c);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  ::close(fd);
  return error;
}

sim::Embeddings read_stdin_file(const std::string& path) {
  const int fd = open_or_throw(path, O_RDONLY);
  const Redirect in(STDIN_FILENO, fd);
  ::close(fd);
  return sim::read_embeddings("-");
}

// Feeds `bytes` to read_embeddings("-") through a real pipe (not a regular file), from a thread.
sim::Embeddings read_stdin_pipe(const std::string& bytes) {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  std::thread feeder([&] {
    std::size_t at = 0;
    while (at < bytes.size()) {
      const ssize_t n = ::write(p[1], bytes.data() + at, std::min<std::size_t>(bytes.size() - at, 10000));
      if (n <= 0) break;
      at += std::size_t(n);
    }
    ::close(p[1]);
  });
  struct Join {
    std::thread& t;
    ~Join() { t.join(); }
  } join{feeder};
  const Redirect in(STDIN_FILENO, p[0]);
  ::close(p[0]);
  return sim::read_embeddings("-");
}

void check_equal(const sim::Embeddings& e, const sim::EmbeddingsMeta& m, const Content& c) {
  CHECK(e.meta.distance == m.distance);
  CHECK(e.meta.dim == m.dim);
  CHECK(e.meta.classes == m.classes);
  CHECK(e.meta.model_fingerprint == m.model_fingerprint);
  CHECK(e.meta.provenance == m.provenance);
  CHECK(e.count() == c.ids.size());
  CHECK(e.data == c.rows);
  CHECK(e.labels == c.labels);
  CHECK(e.ids == c.ids);
}

}  // namespace

TEST_CASE("embeddings: round trip of rows, labels, non-ASCII ids, classes and metadata") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/emb.h5";
  const Content c = content(10, 4);
  write(path, meta(), c);
  const sim::Embeddings e = sim::read_embeddings(path);
  check_equal(e, meta(), c);
  CHECK(e.ids[0] == "photos/été/0.png");
  CHECK(e.ids[1] == "キー-1");
  CHECK(e.labels[0] == -1);
  CHECK(e.row(3)[1] == c.rows[3 * 4 + 1]);
  CHECK(entries(dir.path()) == 1);  // no temporary left beside it
  CHECK(sim::looks_like_embeddings(path));

  // Every distance survives by its canonical name; an empty file (no rows, no classes) is valid.
  for (sim::Distance d : sim::all_distances()) {
    sim::EmbeddingsMeta m = meta(3);
    m.distance = d;
    m.classes.clear();
    m.model_fingerprint.clear();
    write(path, m, Content{});
    const sim::Embeddings empty = sim::read_embeddings(path);
    CHECK(empty.meta.distance == d);
    CHECK(empty.count() == 0);
    CHECK(empty.meta.dim == 3);
    CHECK(empty.meta.classes.empty());
  }
}

TEST_CASE("embeddings: the raw layout is what other HDF5 tools expect") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/emb.h5";
  write(path, meta(), content(5, 4));
  const sim::H5File f(path);
  CHECK(f.read_string_attribute("format") == "sim-embeddings");
  CHECK(f.read_int_attribute("version") == 1);
  CHECK(f.read_string_attribute("distance") == "euclidean");
  CHECK(f.read_int_attribute("dim") == 4);
  CHECK(f.read_int_attribute("count") == 5);
  CHECK_FALSE(f.has_attribute("provenance"));  // none was asked for
  CHECK(f.shape("embeddings") == std::vector<std::size_t>{5, 4});
  CHECK(f.read_strings("classes", 10) == meta().classes);
  const sim::H5Handle set{H5Dopen2(f.id(), "embeddings", H5P_DEFAULT), H5Dclose};
  const sim::H5Handle type{H5Dget_type(set.get()), H5Tclose};
  CHECK(H5Tequal(type.get(), H5T_IEEE_F32LE) > 0);
  const sim::H5Handle dcpl{H5Dget_create_plist(set.get()), H5Pclose};
  CHECK(H5Pget_layout(dcpl.get()) == H5D_CHUNKED);
  CHECK(H5Pget_nfilters(dcpl.get()) == 0);
  const sim::H5Handle space{H5Dget_space(set.get()), H5Sclose};
  hsize_t dims[2], max_dims[2];
  H5Sget_simple_extent_dims(space.get(), dims, max_dims);
  CHECK(max_dims[0] == H5S_UNLIMITED);
}

TEST_CASE("embeddings: batches of any size give the same file as one batch") {
  sim::test::TempDir dir;
  const Content c = content(9000, 4);  // 4096-row chunks: two full ones and a partial one
  write(dir.path() + "/one.h5", meta(), c);
  write(dir.path() + "/many.h5", meta(), c, {1, 999, 3000, 1, 4096, 7});
  const sim::Embeddings e = sim::read_embeddings(dir.path() + "/many.h5");
  check_equal(e, meta(), c);
  CHECK(same_bytes(dir.path() + "/one.h5", dir.path() + "/many.h5"));

  // Rows wider than a chunk's byte budget: one-row chunks.
  const Content wide = content(3, 300000);
  write(dir.path() + "/wide.h5", meta(300000), wide, {1});
  check_equal(sim::read_embeddings(dir.path() + "/wide.h5"), meta(300000), wide);
}

TEST_CASE("embeddings: without provenance, two runs give identical bytes") {
  sim::test::TempDir dir;
  const Content c = content(50, 8);
  write(dir.path() + "/a.h5", meta(8), c);
  // HDF5 timestamps have one-second resolution: make sure the clock moved on.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write(dir.path() + "/b.h5", meta(8), c);
  CHECK(!slurp(dir.path() + "/a.h5").empty());
  CHECK(same_bytes(dir.path() + "/a.h5", dir.path() + "/b.h5"));
}

TEST_CASE("embeddings: provenance is recorded when given") {
  sim::test::TempDir dir;
  const char* argv[] = {"sim-embed", "model.sim", "-o", "emb.h5"};
  const std::string prov = sim::make_provenance("sim-embed", 4, argv);
  CHECK(prov.find("\"program\":\"sim-embed\"") != std::string::npos);
  sim::EmbeddingsMeta m = meta();
  m.provenance = prov;
  const Content c = content(3, 4);
  write(dir.path() + "/emb.h5", m, c);
  check_equal(sim::read_embeddings(dir.path() + "/emb.h5"), m, c);
}

TEST_CASE("embeddings: '-' writes the same bytes to stdout and reads them back from stdin") {
  sim::test::TempDir dir;
  const Content c = content(3000, 16);  // ~200 kB: the pipe reader grows its buffer a few times
  write(dir.path() + "/file.h5", meta(16), c);
  const std::string out = dir.path() + "/stdout.h5";
  CHECK(write_to_stdout_file(out, meta(16), c) == "");
  CHECK(same_bytes(out, dir.path() + "/file.h5"));
  CHECK(entries(dir.path()) == 2);  // the streamed temporary was never visible anywhere

  check_equal(read_stdin_file(out), meta(16), c);
  check_equal(read_stdin_pipe(slurp(out)), meta(16), c);
}

TEST_CASE("embeddings: a failed write to stdout is an I/O error naming '-'") {
  sim::test::TempDir dir;
  const Content c = content(20, 4);
  {
    const int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    REQUIRE(full >= 0);
    std::string error;
    {
      Redirect out(STDOUT_FILENO, full);
      try {
        write("-", meta(), c);
      } catch (const sim::IoError& e) {
        error = std::string(e.file()) + "|" + e.what();
      }
    }
    ::close(full);
    CHECK(error.rfind("-|-: ", 0) == 0);
    CHECK(error.find("No space left") != std::string::npos);
  }
  {
    int p[2];
    REQUIRE(::pipe(p) == 0);
    ::close(p[0]);  // nobody reads: EPIPE
    const auto previous = std::signal(SIGPIPE, SIG_IGN);
    std::string error;
    {
      Redirect out(STDOUT_FILENO, p[1]);
      try {
        write("-", meta(), c);
      } catch (const sim::IoError& e) {
        error = std::string(e.file()) + "|" + e.what();
      }
    }
    std::signal(SIGPIPE, previous);
    ::close(p[1]);
    CHECK(error.rfind("-|-: ", 0) == 0);
    CHECK(error.find("Broken pipe") != std::string::npos);
  }
}

TEST_CASE("embeddings: a writer destroyed without close() leaves no file and keeps the old one") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/emb.h5";
  {
    sim::EmbeddingsWriter w(path, meta());
    const Content c = content(5, 4);
    w.append(c.rows.data(), 5, c.labels.data(), c.ids);
  }
  CHECK(entries(dir.path()) == 0);

  const Content good = content(4, 4);
  write(path, meta(), good);
  const std::string before = slurp(path);
  try {
    sim::EmbeddingsWriter w(path, meta());
    const Content c = content(5000, 4);
    w.append(c.rows.data(), 5000, c.labels.data(), c.ids);  // a whole chunk already on disk
    throw std::runtime_error("crash before close()");
  } catch (const std::runtime_error&) {
  }
  CHECK((slurp(path) == before));  // (parentheses: doctest would print the bytes)
  CHECK(entries(dir.path()) == 1);

  // Nothing at all reaches stdout.
  const std::string out = dir.path() + "/stdout";
  const int fd = open_or_throw(out, O_WRONLY | O_CREAT | O_TRUNC);
  {
    Redirect redirect(STDOUT_FILENO, fd);
    sim::EmbeddingsWriter w("-", meta());
    w.append(good.rows.data(), 4, good.labels.data(), good.ids);
  }
  ::close(fd);
  CHECK(slurp(out).empty());
}

TEST_CASE("embeddings: the writer refuses bad rows and bad metadata") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/emb.h5";
  sim::EmbeddingsWriter w(path, meta());
  Content c = content(4, 4);
  c.rows[2 * 4 + 1] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(w.append(c.rows.data(), 4, c.labels.data(), c.ids),
                       doctest::Contains("emb.h5: embeddings: row 2 (id 'キー-2') holds NaN or infinity"),
                       sim::FormatError);
  CHECK(w.count() == 0);  // nothing of the refused batch was kept
  c.rows[2 * 4 + 1] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_AS(w.append(c.rows.data(), 4, c.labels.data(), c.ids), sim::FormatError);
  c.rows[2 * 4 + 1] = 0;
  c.labels[1] = 3;
  CHECK_THROWS_WITH_AS(w.append(c.rows.data(), 4, c.labels.data(), c.ids),
                       doctest::Contains("labels: row 1 (id 'キー-1') has label 3, outside -1 (unlabelled) .. 2"),
                       sim::FormatError);
  c.labels[1] = -2;
  CHECK_THROWS_AS(w.append(c.rows.data(), 4, c.labels.data(), c.ids), sim::FormatError);
  c.labels[1] = 0;
  c.ids[3] = "bad\xff";
  CHECK_THROWS_WITH_AS(w.append(c.rows.data(), 4, c.labels.data(), c.ids), doctest::Contains("not valid UTF-8"),
                       sim::FormatError);
  c.ids[3] = std::string("nul\0byte", 8);
  CHECK_THROWS_WITH_AS(w.append(c.rows.data(), 4, c.labels.data(), c.ids), doctest::Contains("NUL byte"),
                       sim::FormatError);
  c.ids[3] = "ok";
  CHECK_THROWS_AS(w.append(c.rows.data(), 3, c.labels.data(), c.ids), std::invalid_argument);
  w.append(c.rows.data(), 4, nullptr, c.ids);  // no labels: all unlabelled
  CHECK(w.count() == 4);
  w.close();
  w.close();  // a second close does nothing
  CHECK_THROWS_AS(w.append(c.rows.data(), 4, nullptr, c.ids), std::logic_error);
  CHECK(sim::read_embeddings(path).labels == std::vector<std::int64_t>(4, -1));

  sim::EmbeddingsMeta m = meta();
  m.dim = 0;
  CHECK_THROWS_WITH_AS(sim::EmbeddingsWriter(path, m), doctest::Contains("dim: must be from 1"), sim::FormatError);
  m = meta();
  m.classes = {"a", "b", "a"};
  CHECK_THROWS_WITH_AS(sim::EmbeddingsWriter(path, m), doctest::Contains("class name 'a' appears twice"),
                       sim::FormatError);
  m.classes = {"\xe9t\xe9"};  // Latin-1, not UTF-8
  CHECK_THROWS_AS(sim::EmbeddingsWriter(path, m), sim::FormatError);
  CHECK_THROWS_AS(sim::EmbeddingsWriter(dir.path() + "/missing/emb.h5", meta()), sim::IoError);
  CHECK(entries(dir.path()) == 1);
}

TEST_CASE("embeddings: files that are not embeddings") {
  sim::test::TempDir dir;
  const std::string p = dir.path() + "/";
  CHECK_THROWS_AS(sim::read_embeddings(p + "missing.h5"), sim::IoError);
  fx::write_bytes(p + "text.h5", "id,label\n");
  CHECK(read_error(p + "text.h5") == p + "text.h5: not an HDF5 file (no HDF5 signature)");
  fx::write_h5_vectors(p + "vectors.h5", 3, 2, {0, 1, 0});
  CHECK(read_error(p + "vectors.h5") ==
        p + "vectors.h5: format: missing: not sim embeddings; it looks like a vector dataset (features, labels) "
            "that sim-train reads");
  const hid_t bare = H5Fcreate((p + "bare.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  H5Fclose(bare);
  CHECK(read_error(p + "bare.h5") ==
        p + "bare.h5: format: missing: not sim embeddings; an HDF5 file without sim's format attribute");
  // sim's file without `format` but with its other attributes is damaged, not another tool's.
  write(p + "damaged.h5", meta(), content(2, 4));
  Edit(p + "damaged.h5").drop_attribute("format");
  CHECK_FALSE(sim::looks_like_foreign_embeddings(p + "damaged.h5"));
  CHECK(read_error(p + "damaged.h5") ==
        p + "damaged.h5: format: missing: not sim embeddings; it has sim's other attributes, so it is a damaged sim "
            "file");
  write(p + "index.h5", meta(), content(2, 4));
  Edit(p + "index.h5").set_attribute("format", std::string("sim-index"));
  CHECK(read_error(p + "index.h5") ==
        p + "index.h5: format: is 'sim-index', not 'sim-embeddings': another kind of file, not embeddings");
  Edit(p + "index.h5").set_attribute("format", std::int64_t(7));
  CHECK(read_error(p + "index.h5") == p + "index.h5: format: expected a string");

  for (const char* name : {"text.h5", "vectors.h5", "bare.h5", "index.h5", "missing.h5"}) {
    CHECK_FALSE(sim::looks_like_embeddings(p + name));
  }
  CHECK_FALSE(sim::looks_like_embeddings("-"));
  CHECK_FALSE(sim::looks_like_embeddings(dir.path()));
}

TEST_CASE("embeddings: a newer version, an unfinished writer, wrong metadata") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/emb.h5";
  const Content c = content(6, 4);
  const auto broken = [&](const std::function<void(Edit&)>& edit) {
    write(path, meta(), c);
    {
      Edit e(path);
      edit(e);
    }
    return read_error(path);
  };
  const std::string at = path + ": ";
  CHECK(broken([](Edit& e) { e.set_attribute("version", std::int64_t(2)); }) ==
        at + "version: written by a newer sim (version 2); this build reads version 1");
  CHECK(broken([](Edit& e) { e.set_attribute("version", std::int64_t(0)); }) ==
        at + "version: is 0, not a valid version");
  CHECK(broken([](Edit& e) { e.drop_attribute("version"); }) == at + "version: attribute is missing");
  CHECK(broken([](Edit& e) { e.drop_attribute("count"); }) ==
        at + "count: missing: the file is incomplete (its writer did not finish) or was truncated");
  CHECK(broken([](Edit& e) { e.set_attribute("count", std::int64_t(5)); }) ==
        at + "count: is 5 but embeddings has 6 rows: the file is truncated or incomplete");
  CHECK(broken([](Edit& e) { e.set_attribute("distance", std::string("hamming")); }) ==
        at +
            "distance: unknown distance 'hamming' (expected cosine, euclidean, sqeuclidean, inner_product, manhattan)");
  CHECK(broken([](Edit& e) { e.set_attribute("distance", std::string("L2")); }).find("unknown distance 'L2'") !=
        std::string::npos);  // files hold canonical names only
  CHECK(broken([](Edit& e) { e.set_attribute("dim", std::int64_t(5)); }) ==
        at + "dim: is 5 but embeddings has 4 columns");
  CHECK(broken([](Edit& e) { e.set_attribute("dim", std::int64_t(0)); }) == at + "dim: is 0, must be at least 1");
  CHECK(broken([](Edit& e) { e.set_attribute("dim", std::string("4")); }) == at + "dim: expected an integer");
  // Read in the width they were written in: HDF5's conversion would clamp these to INT64_MAX.
  CHECK(broken([](Edit& e) { e.set_unsigned_attribute("count", UINT64_MAX); }) ==
        at + "count: is 18446744073709551615, beyond the largest value sim reads (9223372036854775807)");
  CHECK(broken([](Edit& e) { e.set_unsigned_attribute("dim", std::uint64_t(INT64_MAX) + 1); }) ==
        at + "dim: is 9223372036854775808, beyond the largest value sim reads (9223372036854775807)");
  CHECK(broken([](Edit& e) { e.set_unsigned_attribute("count", 6); }) == "no error");
  // Optional attributes may be absent.
  CHECK(broken([](Edit& e) { e.drop_attribute("model_fingerprint"); }) == "no error");
}

TEST_CASE("embeddings: inconsistent shapes and values") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/emb.h5";
  const Content c = content(6, 4);
  const auto broken = [&](const std::function<void(Edit&)>& edit) {
    write(path, meta(), c);
    {
      Edit e(path);
      edit(e);
    }
    return read_error(path);
  };
  const std::string at = path + ": ";
  CHECK(broken([](Edit& e) { e.floats("embeddings", {24}, std::vector<float>(24, 1.0f)); }) ==
        at + "embeddings: expected 2-D [N x D], found 1 dimensions");
  CHECK(broken([](Edit& e) { e.drop("embeddings"); }) == at + "embeddings: dataset is missing");
  CHECK(broken([](Edit& e) {
          e.int64s("labels", {0, 1, 2});
        }) == at + "labels: has 3 entries but embeddings has 6 rows");
  CHECK(broken([](Edit& e) { e.drop("labels"); }) == at + "labels: dataset is missing");
  CHECK(broken([](Edit& e) {
          e.strings("ids", {"a", "b", "c", "d", "e", "f", "g"});
        }) == at + "ids: has 7 entries but embeddings has 6 rows");
  CHECK(broken([](Edit& e) { e.int64s("ids", {1, 2, 3, 4, 5, 6}); }) == at + "ids: expected strings");
  CHECK(broken([](Edit& e) { e.drop("classes"); }) ==
        at + "classes: missing, but row 1 (id 'キー-1') has label 0 (labels are positions in classes)");
  CHECK(broken([](Edit& e) { e.strings("classes", {"a", "b", "a"}); }) == at + "classes: class name 'a' appears twice");
  CHECK(broken([](Edit& e) {
          e.int64s("labels", {0, 1, 2, 3, -1, 0});
        }) == at + "labels: row 3 (id 'photos/été/3.png') has label 3, outside -1 (unlabelled) .. 2 (3 classes)");
  CHECK(broken([](Edit& e) {
          e.uint64s("labels", {0, 1, 2, 0, UINT64_MAX, 0});
        }) == at + "labels: row 4 holds 18446744073709551615, beyond the largest value sim reads "
                   "(9223372036854775807)");
  CHECK(broken([](Edit& e) { e.uint64s("labels", {0, 1, 2, 0, 1, 2}); }) == "no error");
  CHECK(broken([](Edit& e) {
          e.int64s("labels", {0, -2, 0, 0, 0, 0});
        }).find("row 1 (id 'キー-1') has label -2") != std::string::npos);
  CHECK(broken([](Edit& e) { e.set_float(4, 2, std::numeric_limits<float>::quiet_NaN()); }) ==
        at + "embeddings: row 4 (id 'キー-4') holds NaN or infinity");
  CHECK(broken([](Edit& e) { e.set_float(0, 0, -std::numeric_limits<float>::infinity()); }) ==
        at + "embeddings: row 0 (id 'photos/été/0.png') holds NaN or infinity");
  // Sizes are checked against the file before anything is allocated.
  CHECK(broken([](Edit& e) {
          e.huge_unwritten("embeddings", hsize_t(1) << 40, 4);
        }).find("embeddings: claims 1099511627776 x 4 values, more than a ") != std::string::npos);
  CHECK(broken([](Edit& e) { e.huge_unwritten("embeddings", 1000000, 4); }).find("-byte file can hold") !=
        std::string::npos);
  // Float64 data from other tools is accepted and converted.
  CHECK(broken([&](Edit& e) {
          e.doubles("embeddings", {6, 4}, std::vector<double>(c.rows.begin(), c.rows.end()));
        }) == "no error");
  CHECK(sim::read_embeddings(path).data == c.rows);
}

TEST_CASE("embeddings: a truncated file is a format error at every length, on stderr silence") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/emb.h5";
  sim::EmbeddingsMeta m = meta(8);
  m.provenance = sim::make_provenance("sim-embed", 0, nullptr);
  write(path, m, content(700, 8));
  const std::string bytes = slurp(path);
  std::vector<std::size_t> cuts{0, 1, 7, 8, 9, 48, 100, 512, 1024, 2048, 4096, bytes.size() - 1};
  for (std::size_t k = 1; k < 40; ++k) cuts.push_back(bytes.size() * k / 40);

  // Any HDF5 error stack printed while reading would land here.
  const std::string err_path = dir.path() + "/stderr";
  const int err = open_or_throw(err_path, O_WRONLY | O_CREAT | O_TRUNC);
  std::vector<std::string> errors;
  {
    const Redirect redirect(STDERR_FILENO, err);
    for (std::size_t cut : cuts) {
      fx::truncate_copy(path, dir.path() + "/cut.h5", cut);
      errors.push_back(read_error(dir.path() + "/cut.h5"));
    }
    fx::truncate_copy(path, dir.path() + "/cut.h5", bytes.size() / 2);
    errors.push_back(error_of([&] { (void)read_stdin_file(dir.path() + "/cut.h5"); }));
    errors.push_back(error_of([&] { (void)read_stdin_pipe(bytes.substr(0, 3000)); }));
    errors.push_back(error_of([&] { (void)read_stdin_pipe(""); }));
    errors.push_back(error_of([&] { (void)read_stdin_pipe("hello, not HDF5"); }));
  }
  ::close(err);
  CHECK(slurp(err_path).empty());
  for (std::size_t i = 0; i < cuts.size(); ++i) {
    CAPTURE(cuts[i]);
    const std::string& e = errors[i];
    CHECK(e.rfind(dir.path() + "/cut.h5: ", 0) == 0);  // names the file
    CHECK(e.find("not the expected error type") == std::string::npos);
    CHECK(e != "no error");
  }
  CHECK(errors[cuts.size()] == "-: HDF5 file is corrupt or truncated");
  CHECK(errors[cuts.size() + 1] == "-: HDF5 file is corrupt or truncated");
  CHECK(errors[cuts.size() + 2] == "-: empty input (expected an HDF5 file)");
  CHECK(errors[cuts.size() + 3] == "-: not an HDF5 file (no HDF5 signature)");
  CHECK(sim::read_embeddings(path).count() == 700);  // the original is fine
}
