#include <doctest/doctest.h>

#include <cstring>

#include "base/error.hpp"
#include "fixtures.hpp"
#include "formats/embeddings_foreign.hpp"
#include "formats/npy.hpp"
#include "temp_dir.hpp"

namespace fx = sim::fixtures;

namespace {

template <typename T>
std::string raw(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

// A .npy with `descr` and `shape` written as numpy.save would, then `data`; `order` "True" makes
// it Fortran order.
std::string npy(const char* descr, const std::vector<std::size_t>& shape, const std::string& data,
                const char* order = "False") {
  std::string bytes = sim::npy_header_bytes(descr, shape);
  if (std::strcmp(order, "True") == 0) bytes.replace(bytes.find("False"), 5, "True ");
  return bytes + data;
}

// Version 1.0 magic and length, then `dict` as it stands (no padding).
std::string v1(const std::string& dict) {
  return std::string("\x93NUMPY\x01\x00", 8) + char(dict.size() & 0xff) + char(dict.size() >> 8) + dict;
}

// The message of the FormatError that `read` throws, or "" when it throws none.
template <typename Read>
std::string format_error(Read read) {
  try {
    read();
  } catch (const sim::FormatError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("npy_header_bytes writes numpy.save's header, byte for byte") {
  // numpy 1.24: np.save(f, np.zeros((3, 4), np.float32)) and np.save(f, np.zeros(3, np.int64))
  const auto padded = [](const std::string& dict) {  // 10 bytes of magic and length, spaces, '\n'
    return std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict + std::string(127 - 10 - dict.size(), ' ') + "\n";
  };
  CHECK(sim::npy_header_bytes("<f4", {3, 4}) == padded("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"));
  CHECK(sim::npy_header_bytes("<i8", {3}) == padded("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }"));
}

TEST_CASE(".npy matrices of every float width, byte order and memory order read as row-major float32") {
  sim::test::TempDir dir;
  const std::string c32 = dir.path() + "/c32.npy", f64 = dir.path() + "/f64.npy", be = dir.path() + "/be.npy",
                    half = dir.path() + "/half.npy";
  fx::write_bytes(c32, npy("<f4", {2, 3}, raw(std::vector<float>{1, 2, 3, 4, 5, 6})));
  // Fortran order stores the columns one after another.
  fx::write_bytes(f64, npy("<f8", {2, 3}, raw(std::vector<double>{1, 4, 2, 5, 3, 6}), "True"));
  fx::write_bytes(be, npy(">f4", {1, 2}, std::string("\x3f\x80\x00\x00\xc0\x00\x00\x00", 8)));  // 1, -2
  fx::write_bytes(half, npy("<f2", {1, 3}, std::string("\x00\x3c\x00\xc0\x01\x00", 6)));        // 1, -2, 2^-24
  const std::vector<float> expected{1, 2, 3, 4, 5, 6};
  for (const std::string& path : {c32, f64}) {
    CAPTURE(path);
    CHECK(sim::looks_like_npy(path));
    const sim::NpyHeader h = sim::read_npy_header(path);
    CHECK(h.shape == std::vector<std::size_t>{2, 3});
    CHECK(sim::read_npy_matrix(path, h) == expected);
  }
  CHECK(sim::read_npy_header(f64).describe() == "float64 [2 x 3], Fortran order");
  CHECK(sim::read_npy_matrix(be, sim::read_npy_header(be)) == std::vector<float>{1, -2});
  CHECK(sim::read_npy_matrix(half, sim::read_npy_header(half)) == std::vector<float>{1, -2, 0x1p-24f});
}

TEST_CASE(".npy labels: any integer type, booleans, and whole floats as int64") {
  sim::test::TempDir dir;
  const std::string i8 = dir.path() + "/i8.npy", u2 = dir.path() + "/u2.npy", f8 = dir.path() + "/f8.npy",
                    frac = dir.path() + "/frac.npy", column = dir.path() + "/column.npy";
  fx::write_bytes(i8, npy("|i1", {3}, std::string("\x02\xff\x00", 3)));
  fx::write_bytes(u2, npy(">u2", {2}, std::string("\x01\x00\x00\x07", 4)));
  fx::write_bytes(f8, npy("<f8", {2}, raw(std::vector<double>{3, -1})));
  fx::write_bytes(frac, npy("<f8", {2}, raw(std::vector<double>{3, 0.5})));
  fx::write_bytes(column, npy("<i4", {2, 1}, raw(std::vector<std::int32_t>{5, 6})));
  CHECK(sim::read_npy_integers(i8, sim::read_npy_header(i8)) == std::vector<std::int64_t>{2, -1, 0});
  CHECK(sim::read_npy_integers(u2, sim::read_npy_header(u2)) == std::vector<std::int64_t>{256, 7});
  CHECK(sim::read_npy_integers(f8, sim::read_npy_header(f8)) == std::vector<std::int64_t>{3, -1});
  CHECK(sim::read_npy_integers(column, sim::read_npy_header(column)) == std::vector<std::int64_t>{5, 6});
  CHECK_THROWS_WITH_AS(sim::read_npy_integers(frac, sim::read_npy_header(frac)), doctest::Contains("value 1 is 0.5"),
                       sim::FormatError);
}

TEST_CASE("broken and unreadable .npy files are FormatErrors naming the file and what is wrong") {
  sim::test::TempDir dir;
  const auto refused = [&](const std::string& name, const std::string& bytes, const std::string& message) {
    CAPTURE(name);
    const std::string path = dir.path() + "/" + name;
    fx::write_bytes(path, bytes);
    const std::string error = format_error([&] { (void)sim::read_npy_matrix(path, sim::read_npy_header(path)); });
    CHECK(error.rfind(path + ": ", 0) == 0);
    CHECK(error.find(message) != std::string::npos);
  };
  const std::string six = raw(std::vector<float>{1, 2, 3, 4, 5, 6});
  refused("truncated.npy", npy("<f4", {2, 3}, six.substr(0, 20)),
          "shape: says float32 [2 x 3], C order, which is 24 bytes");
  refused("liar.npy", npy("<f4", {4000000000, 3}, six), "(truncated, or a header that lies)");
  refused("overflow.npy", npy("<f4", {4000000000000000000, 4000000000000000000}, six), "more than 2^64");
  refused("trailing.npy", npy("<f4", {1, 3}, six), "(trailing bytes)");
  refused("strings.npy", npy("<U5", {2}, std::string(40, 'a')), "header: 'descr' is '<U5': strings");
  refused("objects.npy", npy("|O", {1}, std::string(8, '\0')), "Python objects");
  refused("complex.npy", npy("<c8", {1}, std::string(8, '\0')), "complex numbers");
  refused("cube.npy", npy("<f4", {1, 1, 6}, six), "expected a 2-D matrix");
  refused("structured.npy", v1("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}\n") + "abcd",
          "structured dtype");
  refused("version.npy", std::string("\x93NUMPY\x09\x00\x10\x00", 10) + std::string(16, ' '), "version: is 9.0");
  refused("short.npy", std::string("\x93NUMPY\x01\x00\xff\x00{'descr'", 18), "header: claims 255 bytes");
  refused("garbage.npy", v1("hello\n"), "header: is not the dict numpy writes");
  refused("unknown_key.npy", v1("{'descr': '<f4', 'colour': 1}\n"), "unknown key 'colour'");
  refused("no_shape.npy", v1("{'descr': '<f4', 'fortran_order': False}\n"), "lacks one of");
  refused("plain.txt", "not numpy at all", "not a NumPy .npy file");
  CHECK_FALSE(sim::looks_like_npy(dir.path() + "/plain.txt"));
  CHECK_FALSE(sim::looks_like_npy(dir.path() + "/missing.npy"));
}

TEST_CASE("another tool's embeddings: a .npy with labels and ids from side files, or bare HDF5") {
  sim::test::TempDir dir;
  const std::string rows = dir.path() + "/rows.npy";
  fx::write_bytes(rows, npy("<f4", {3, 2}, raw(std::vector<float>{1, 0, 0, 1, 1, 1})));
  sim::ForeignEmbeddingsOptions options;
  options.distance = sim::Distance::Euclidean;

  SUBCASE("alone: unlabelled, ids are the path and the row") {
    const sim::Embeddings e = sim::read_foreign_embeddings(rows, options);
    CHECK(e.count() == 3);
    CHECK(e.dim() == 2);
    CHECK(e.meta.distance == sim::Distance::Euclidean);
    CHECK(e.labels == std::vector<std::int64_t>{-1, -1, -1});
    CHECK(e.ids == std::vector<std::string>{rows + "#0", rows + "#1", rows + "#2"});
    CHECK(e.meta.classes.empty());
  }
  SUBCASE("integer labels from a .npy name the classes 0 .. the largest") {
    options.labels_path = dir.path() + "/labels.npy";
    fx::write_bytes(options.labels_path, npy("<i8", {3}, raw(std::vector<std::int64_t>{2, -1, 0})));
    const sim::Embeddings e = sim::read_foreign_embeddings(rows, options);
    CHECK(e.labels == std::vector<std::int64_t>{2, -1, 0});
    CHECK(e.meta.classes == std::vector<std::string>{"0", "1", "2"});
  }
  SUBCASE("class names from a text file, sorted; an empty line is unlabelled; ids from a text file") {
    options.labels_path = dir.path() + "/labels.txt";
    options.ids_path = dir.path() + "/ids.txt";
    fx::write_bytes(options.labels_path, "shoe\r\n\nbag\n");
    fx::write_bytes(options.ids_path, "a\nb\nc");
    const sim::Embeddings e = sim::read_foreign_embeddings(rows, options);
    CHECK(e.meta.classes == std::vector<std::string>{"bag", "shoe"});
    CHECK(e.labels == std::vector<std::int64_t>{1, -1, 0});
    CHECK(e.ids == std::vector<std::string>{"a", "b", "c"});
  }
  SUBCASE("side files of another length are refused naming them") {
    options.labels_path = dir.path() + "/short.txt";
    fx::write_bytes(options.labels_path, "1\n2\n");
    CHECK_THROWS_WITH_AS(
        sim::read_foreign_embeddings(rows, options),
        doctest::Contains((options.labels_path + ": has 2 lines but '" + rows + "' has 3 rows").c_str()),
        sim::FormatError);
    options.labels_path = dir.path() + "/long.npy";
    fx::write_bytes(options.labels_path, npy("<i8", {4}, raw(std::vector<std::int64_t>{0, 0, 0, 0})));
    CHECK_THROWS_WITH_AS(sim::read_foreign_embeddings(rows, options), doctest::Contains("has 4 labels"),
                         sim::FormatError);
    options.labels_path.clear();
    options.ids_path = dir.path() + "/ids.txt";
    fx::write_bytes(options.ids_path, "a\n");
    CHECK_THROWS_WITH_AS(sim::read_foreign_embeddings(rows, options), doctest::Contains("has 1 lines"),
                         sim::FormatError);
  }
  SUBCASE("labels below -1, and unnamed labels too large to name every class below them") {
    options.labels_path = dir.path() + "/labels.npy";
    fx::write_bytes(options.labels_path, npy("<i8", {3}, raw(std::vector<std::int64_t>{0, -2, 0})));
    CHECK_THROWS_WITH_AS(sim::read_foreign_embeddings(rows, options), doctest::Contains("row 1 has label -2"),
                         sim::FormatError);
    fx::write_bytes(options.labels_path, npy("<i8", {3}, raw(std::vector<std::int64_t>{0, 1 << 20, 0})));
    CHECK_THROWS_WITH_AS(sim::read_foreign_embeddings(rows, options), doctest::Contains("must be below 1048576"),
                         sim::FormatError);
  }
  SUBCASE("rows that are not embeddings") {
    const std::string ints = dir.path() + "/ints.npy", nan = dir.path() + "/nan.npy";
    fx::write_bytes(ints, npy("<i4", {1, 2}, raw(std::vector<std::int32_t>{1, 2})));
    fx::write_bytes(nan, npy("<f4", {2, 1}, raw(std::vector<float>{1, std::nanf("")})));
    CHECK_THROWS_WITH_AS(sim::read_foreign_embeddings(ints, options), doctest::Contains("embeddings are floats"),
                         sim::FormatError);
    CHECK_THROWS_WITH_AS(sim::read_foreign_embeddings(nan, options),
                         doctest::Contains((nan + ": embeddings: row 1 (id '" + nan + "#1')").c_str()),
                         sim::FormatError);
  }
  SUBCASE("HDF5 with `features` and labels but no sim attributes") {
    const std::string h5 = dir.path() + "/bare.h5";
    fx::write_h5_vectors(h5, 3, 2, {1, -1, 0}, {"x", "y", "z"});
    CHECK(sim::looks_like_foreign_embeddings(h5));
    const sim::Embeddings e = sim::read_foreign_embeddings(h5, options);
    CHECK(e.labels == std::vector<std::int64_t>{1, -1, 0});
    CHECK(e.ids == std::vector<std::string>{"x", "y", "z"});
    CHECK(e.meta.classes == std::vector<std::string>{"0", "1"});
    CHECK(e.data == std::vector<float>{0, 0.01f, 1, 1.01f, 2, 2.01f});
  }
}

TEST_CASE("NpyEmbeddingsWriter: numpy's files, read back with their side files; nothing before close()") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/e.npy";
  const std::vector<float> rows{1, 0, 0, 1, 0.5f, 0.5f};
  const std::vector<std::int64_t> labels{1, -1, 0};
  {
    sim::NpyEmbeddingsWriter unfinished(path, 2, {"bag", "shoe"});
    unfinished.append(rows.data(), 3, labels.data(), {"a", "b", "c"});
  }
  CHECK_FALSE(sim::looks_like_npy(path));
  sim::NpyEmbeddingsWriter w(path, 2, {"bag", "shoe"});
  w.append(rows.data(), 1, labels.data(), {"a"});
  w.append(rows.data() + 2, 2, labels.data() + 1, {"b", "c"});
  CHECK_THROWS_WITH_AS(w.append(rows.data(), 1, labels.data(), {"new\nline"}), doctest::Contains("holds a line break"),
                       sim::FormatError);
  w.close();
  const sim::NpySideFiles side = sim::npy_side_files(path);
  CHECK(side.labels == dir.path() + "/e.labels.npy");
  CHECK(side.classes == dir.path() + "/e.classes.txt");
  CHECK(side.ids == dir.path() + "/e.ids.txt");
  const sim::Embeddings e = sim::read_foreign_embeddings(path, {});
  CHECK(e.data == rows);
  CHECK(e.labels == labels);
  CHECK(e.meta.classes == std::vector<std::string>{"bag", "shoe"});
  CHECK(e.ids == std::vector<std::string>{"a", "b", "c"});
  CHECK_THROWS_AS(sim::NpyEmbeddingsWriter("-", 2, {}), sim::UsageError);
}
