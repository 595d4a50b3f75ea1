// open_dataset on every layout, from generated fixtures, and every bad case the datasets issue lists.
#include <doctest/doctest.h>
#include <hdf5.h>
#include <sys/stat.h>

#include <vector>

#include "base/error.hpp"
#include "data/dataset.hpp"
#include "fixtures.hpp"
#include "temp_dir.hpp"

namespace fx = sim::fixtures;

namespace {

sim::DatasetOptions options(bool skip_bad = false) {
  sim::DatasetOptions o;
  o.skip_bad = skip_bad;
  o.threads = 2;
  return o;
}

std::vector<float> load(const sim::Dataset& d, std::size_t i) {
  std::vector<float> v(d.shape().values());
  d.load(i, v.data());
  return v;
}

}  // namespace

TEST_CASE("image folder: classes in bytewise order, labels, ids, CHW pixels") {
  sim::test::TempDir dir;
  const auto paths = fx::write_image_folder(dir.path(), {"cat", "Dog", "été"}, {3, 2, 2}, 6, 4, 1, 100);
  const auto splits = sim::open_dataset(dir.path(), options());
  REQUIRE(splits.count("all") == 1);
  const sim::Dataset& d = *splits.at("all");
  CHECK(d.kind() == "image folder");
  CHECK(d.classes() == std::vector<std::string>{"Dog", "cat", "été"});  // bytewise: uppercase first
  CHECK(d.size() == 7);
  CHECK(d.shape().str() == "1x4x6 image");
  CHECK(sim::describe(d) == "7 items, 3 classes, shape 1x4x6 image (image folder)");
  // Items are listed class by class: Dog first.
  CHECK(d.id(0) == dir.path() + "/Dog/img000.png");
  CHECK(d.label(0) == 0);
  CHECK(d.id(6) == dir.path() + "/été/img001.png");  // non-ASCII names just work
  CHECK(d.label(6) == 2);
  const auto v = load(d, 0);
  CHECK(v[1 * 6 + 2] == fx::pixel(100 + 1 * 1000 + 0, 2, 1, 0) / 255.0f);  // Dog is class 1 in the writer
}

TEST_CASE("image folder: decoded on the fly equals cached") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"a", "b"}, {3, 3}, 5, 5, 3, 7);
  auto cached_opts = options();
  auto lazy_opts = options();
  lazy_opts.cache_mib = 0;
  const auto cached = sim::open_dataset(dir.path(), cached_opts).at("all");
  const auto lazy = sim::open_dataset(dir.path(), lazy_opts).at("all");
  CHECK(cached->shape().str() == "3x5x5 image");
  for (std::size_t i = 0; i < cached->size(); ++i) CHECK(load(*cached, i) == load(*lazy, i));
}

TEST_CASE("image folder: train/test/val split folders share one class list") {
  sim::test::TempDir dir;
  ::mkdir((dir.path()).c_str(), 0755);
  fx::write_image_folder(dir.path() + "/train", {"a", "b", "c"}, {2, 2, 2}, 4, 4, 1, 1);
  fx::write_image_folder(dir.path() + "/test", {"b", "d"}, {2, 2}, 4, 4, 1, 2);
  fx::write_image_folder(dir.path() + "/validation", {"a"}, {2}, 4, 4, 1, 3);
  const auto splits = sim::open_dataset(dir.path(), options());
  REQUIRE(splits.size() == 3);
  const std::vector<std::string> all{"a", "b", "c", "d"};
  for (const auto& [name, d] : splits) CHECK(d->classes() == all);
  CHECK(splits.at("test")->label(0) == 1);  // "b"
  CHECK(splits.at("test")->label(2) == 3);  // "d"
  CHECK(splits.at("val")->size() == 2);
}

TEST_CASE("image folder: colour wins, mixed formats read") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"x"}, {1}, 4, 4, 1, 1);
  fx::write_bmp(dir.path() + "/x/colour.bmp", 4, 4, 3, 2);
  fx::write_pnm(dir.path() + "/x/grey.pgm", 4, 4, 1, 3);
  fx::write_jpeg(dir.path() + "/x/photo.jpg", 4, 4, 3, 4);
  const auto d = sim::open_dataset(dir.path(), options()).at("all");
  CHECK(d->size() == 4);
  CHECK(d->shape().channels == 3);
}

TEST_CASE("image folder: mixed sizes need --image-size, or are skipped") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"a", "b"}, {3, 3}, 8, 8, 1, 1);
  fx::write_png(dir.path() + "/b/odd.png", 10, 6, 1, 9);
  CHECK_THROWS_WITH_AS(sim::open_dataset(dir.path(), options()),
                       doctest::Contains("odd.png: is 6x10 but most images are 8x8; give --image-size"),
                       sim::FormatError);
  CHECK(sim::open_dataset(dir.path(), options(true)).at("all")->size() == 6);
  auto resized = options();
  resized.image_height = 5;
  resized.image_width = 5;
  const auto d = sim::open_dataset(dir.path(), resized).at("all");
  CHECK(d->size() == 7);
  CHECK(d->shape().str() == "1x5x5 image");
}

TEST_CASE("image folder: unreadable, truncated and non-image files stop the run or are skipped") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"a", "b"}, {3, 3}, 16, 16, 3, 1);
  fx::write_bytes(dir.path() + "/a/readme.txt", "not an image");
  fx::truncate_copy(dir.path() + "/b/img000.png", dir.path() + "/b/truncated.png", 100);
  fx::write_bytes(dir.path() + "/a/.DS_Store", "hidden files are ignored");
  CHECK_THROWS_WITH_AS(sim::open_dataset(dir.path(), options()), doctest::Contains("readme.txt: not an image"),
                       sim::FormatError);
  const auto d = sim::open_dataset(dir.path(), options(true)).at("all");
  CHECK(d->size() == 6);

  // Decoding on the fly: the truncated file passes the header probe and fails when loaded.
  auto lazy = options(true);
  lazy.cache_mib = 0;
  const auto on_the_fly = sim::open_dataset(dir.path(), lazy).at("all");
  REQUIRE(on_the_fly->size() == 7);
  std::size_t failures = 0;
  for (std::size_t i = 0; i < on_the_fly->size(); ++i) {
    try {
      load(*on_the_fly, i);
    } catch (const sim::FormatError& e) {
      CHECK(std::string(e.what()).find("truncated.png") != std::string::npos);
      ++failures;
    }
  }
  CHECK(failures == 1);
}

TEST_CASE("image folder: an empty class folder and an empty dataset") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"a", "b", "empty"}, {2, 2, 0}, 4, 4, 1, 1);
  CHECK_THROWS_WITH_AS(sim::open_dataset(dir.path(), options()), doctest::Contains("empty: class folder has no images"),
                       sim::FormatError);
  CHECK(sim::open_dataset(dir.path(), options(true)).at("all")->size() == 4);

  sim::test::TempDir nothing;
  ::mkdir((nothing.path() + "/a").c_str(), 0755);
  CHECK_THROWS_AS(sim::open_dataset(nothing.path(), options(true)), sim::FormatError);
  sim::test::TempDir bare;
  CHECK_THROWS_WITH_AS(sim::open_dataset(bare.path(), options()), doctest::Contains("no dataset found"),
                       sim::FormatError);
}

TEST_CASE("IDX folder laid out as Fashion-MNIST ships") {
  sim::test::TempDir dir;
  const std::string p = dir.path() + "/";
  fx::write_idx_images(p + "train-images-idx3-ubyte.gz", 6, 28, 28, 1, true);
  fx::write_idx_labels(p + "train-labels-idx1-ubyte.gz", {0, 1, 2, 0, 1, 2}, true);
  fx::write_idx_images(p + "t10k-images-idx3-ubyte.gz", 3, 28, 28, 50, true);
  fx::write_idx_labels(p + "t10k-labels-idx1-ubyte.gz", {2, 1, 0}, true);
  const auto splits = sim::open_dataset(dir.path(), options());
  REQUIRE(splits.size() == 2);
  const sim::Dataset& train = *splits.at("train");
  CHECK(sim::describe(train) == "6 items, 3 classes, shape 1x28x28 image (IDX)");
  CHECK(train.classes() == std::vector<std::string>{"0", "1", "2"});
  CHECK(splits.at("test")->label(0) == 2);
  CHECK(train.id(4) == p + "train-images-idx3-ubyte.gz#4");
  CHECK(load(train, 1)[28 * 3 + 5] == fx::pixel(1 + 1, 5, 3, 0) / 255.0f);

  auto bigger = options();
  bigger.image_height = bigger.image_width = 32;
  bigger.channels = 3;
  CHECK(sim::open_dataset(dir.path(), bigger).at("train")->shape().str() == "3x32x32 image");
}

TEST_CASE("--class-names names numbered classes in every split, and nothing else") {
  sim::test::TempDir dir;
  const std::string p = dir.path() + "/";
  fx::write_idx_images(p + "train-images-idx3-ubyte", 3, 4, 4, 1, false);
  fx::write_idx_labels(p + "train-labels-idx1-ubyte", {0, 1, 2}, false);
  fx::write_idx_images(p + "t10k-images-idx3-ubyte", 1, 4, 4, 2, false);
  fx::write_idx_labels(p + "t10k-labels-idx1-ubyte", {2}, false);
  auto named = options();
  named.class_names_path = p + "names.txt";
  fx::write_bytes(named.class_names_path, "T-shirt/top\r\nTrouser\nAnkle boot\n");
  const auto splits = sim::open_dataset(dir.path(), named);
  const std::vector<std::string> names{"T-shirt/top", "Trouser", "Ankle boot"};
  CHECK(splits.at("train")->classes() == names);
  CHECK(splits.at("test")->classes() == names);
  CHECK(splits.at("test")->label(0) == 2);
  CHECK(splits.at("train")->id(1) == p + "train-images-idx3-ubyte#1");
  CHECK_FALSE(sim::has_numbered_classes(*splits.at("train")));

  fx::write_bytes(named.class_names_path, "a\nb\n");
  CHECK_THROWS_WITH_AS(sim::open_dataset(dir.path(), named), doctest::Contains("names.txt: names 2 classes"),
                       sim::FormatError);
  fx::write_bytes(named.class_names_path, "a\n\nc\n");
  CHECK_THROWS_WITH_AS(sim::open_dataset(dir.path(), named), doctest::Contains("line 2 is empty"), sim::FormatError);
  CHECK_THROWS_WITH_AS(sim::read_class_names(named.class_names_path, {"cat", "dog"}, "pets/"),
                       doctest::Contains("'pets/' has classes of its own ('cat')"), sim::UsageError);
}

TEST_CASE("IDX folder: a missing partner, a label count mismatch, one IDX file given alone") {
  sim::test::TempDir dir;
  const std::string p = dir.path() + "/";
  fx::write_idx_images(p + "train-images-idx3-ubyte", 4, 5, 5, 1, false);
  CHECK_THROWS_WITH_AS(sim::open_dataset(dir.path(), options()), doctest::Contains("has no matching labels file"),
                       sim::FormatError);
  fx::write_idx_labels(p + "train-labels-idx1-ubyte", {1, 2, 3}, false);
  CHECK_THROWS_WITH_AS(sim::open_dataset(dir.path(), options()), doctest::Contains("expected 4 labels"),
                       sim::FormatError);
  CHECK_THROWS_AS(sim::open_dataset(p + "train-images-idx3-ubyte", options()), sim::UsageError);
}

TEST_CASE("HDF5 vectors with ids and class names") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/vectors.h5";
  fx::write_h5_vectors(path, 4, 3, {0, 1, 1, -1}, {"a", "b", "c", "d"}, {"red", "blue"});
  const auto d = sim::open_dataset(path, options()).at("all");
  CHECK(sim::describe(*d) == "4 items, 2 classes, shape 3-d vector (HDF5 vectors)");
  CHECK(d->classes() == std::vector<std::string>{"red", "blue"});
  CHECK(d->label(3) == -1);
  CHECK(d->id(2) == "c");
  CHECK(load(*d, 2) == std::vector<float>{2.0f, 2.01f, 2.02f});
}

TEST_CASE("HDF5 vectors: missing labels, wrong count, labels out of range") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/v.h5";
  fx::write_h5_vectors(path, 4, 2, {0, 1, 1});
  CHECK_THROWS_WITH_AS(sim::open_dataset(path, options()), doctest::Contains("v.h5: labels: has 3 entries"),
                       sim::FormatError);
  fx::write_h5_vectors(path, 2, 2, {0, 5}, {}, {"a", "b"});
  CHECK_THROWS_WITH_AS(sim::open_dataset(path, options()), doctest::Contains("label 5"), sim::FormatError);
  const std::string cut = dir.path() + "/cut.h5";
  fx::write_h5_vectors(path, 100, 8, std::vector<std::int64_t>(100, 0));
  fx::truncate_copy(path, cut, 1000);
  CHECK_THROWS_AS(sim::open_dataset(cut, options()), sim::FormatError);
}

TEST_CASE("HDF5 vectors: dimensions larger than the file can hold are refused before allocating") {
  // A chunked dataset with no chunk written claims 2^28 x 8 floats (8 GiB) in a file of a few
  // kilobytes; below the reader's 2^32-value cap, so only the file's own size can refuse it.
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/huge.h5";
  fx::write_h5_vectors(path, 4, 8, {0, 1, 0, 1});
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(file >= 0);
  H5Ldelete(file, "features", H5P_DEFAULT);
  const hsize_t dims[2] = {hsize_t(1) << 28, 8}, max[2] = {H5S_UNLIMITED, 8}, chunk[2] = {1024, 8};
  const hid_t space = H5Screate_simple(2, dims, max), dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 2, chunk);
  H5Dclose(H5Dcreate2(file, "features", H5T_IEEE_F32LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Fclose(file);
  CHECK_THROWS_WITH_AS(sim::open_dataset(path, options()), doctest::Contains("huge.h5: features: holds more than"),
                       sim::FormatError);
}

TEST_CASE("HDF5 vectors: sizes a corrupt file claims are refused before allocating") {
  sim::test::TempDir dir;
  // A label of 10^12 and no `classes`: classes "0".."10^12" would have been made, one by one.
  const std::string huge_label = dir.path() + "/label.h5";
  fx::write_h5_vectors(huge_label, 2, 2, {0, 1000000000000});
  CHECK_THROWS_WITH_AS(
      sim::open_dataset(huge_label, options()),
      doctest::Contains("label.h5: labels: has label 1000000000000; labels without names must be below 1048576"),
      sim::FormatError);
  // `features` declared 10^9 x 4 with no data written: a 2 KB file used to be read into 16 GB.
  const std::string hollow = dir.path() + "/hollow.h5";
  {
    const hid_t file = H5Fcreate(hollow.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    const hsize_t dims[2] = {1000000000, 4};
    const hid_t space = H5Screate_simple(2, dims, nullptr);
    const hid_t set = H5Dcreate2(file, "features", H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dclose(set);
    H5Sclose(space);
    H5Fclose(file);
  }
  CHECK_THROWS_WITH_AS(sim::open_dataset(hollow, options()), doctest::Contains("hollow.h5: features: holds more than"),
                       sim::FormatError);
}

TEST_CASE("CSV and TSV vectors: named labels, ids, numeric class order") {
  sim::test::TempDir dir;
  const std::string csv = dir.path() + "/data.csv";
  fx::write_bytes(csv, "id,x,label,y\nfirst,1.5,dog,2\n\"se,cond\",3,cat,-4e-1\nthird,0,,1\n");
  const auto d = sim::open_dataset(csv, options()).at("all");
  CHECK(d->kind() == "CSV vectors");
  CHECK(d->classes() == std::vector<std::string>{"cat", "dog"});
  CHECK(d->label(0) == 1);
  CHECK(d->label(2) == -1);  // empty label: unlabelled
  CHECK(d->id(1) == "se,cond");
  CHECK(load(*d, 1) == std::vector<float>{3.0f, -0.4f});

  const std::string tsv = dir.path() + "/data.tsv";
  fx::write_bytes(tsv, "label\tf\n10\t1\n2\t2\n10\t3\n");
  const auto t = sim::open_dataset(tsv, options()).at("all");
  CHECK(t->kind() == "TSV vectors");
  CHECK(t->classes() == std::vector<std::string>{"2", "10"});  // numeric order
}

TEST_CASE("CSV: a label column that isn't there, a bad number, a short row, binary content") {
  sim::test::TempDir dir;
  const std::string csv = dir.path() + "/d.csv";
  fx::write_bytes(csv, "class,x\na,1\n");
  CHECK_THROWS_WITH_AS(sim::open_dataset(csv, options()),
                       doctest::Contains("d.csv: header: no column 'label' (columns: class, x)"), sim::FormatError);
  auto by_class = options();
  by_class.label_column = "class";
  CHECK(sim::open_dataset(csv, by_class).at("all")->size() == 1);

  fx::write_bytes(csv, "label,x,y\na,1,2\nb,oops,3\nc,4\nd,nan,1\ne,5,6\n");
  CHECK_THROWS_WITH_AS(sim::open_dataset(csv, options()), doctest::Contains("d.csv: line 3: column 'x': 'oops'"),
                       sim::FormatError);
  CHECK(sim::open_dataset(csv, options(true)).at("all")->size() == 2);

  fx::write_bytes(csv, std::string("\x01\x02\0\x03", 4));
  CHECK_THROWS_WITH_AS(sim::open_dataset(csv, options()), doctest::Contains("binary content"), sim::FormatError);
  fx::write_bytes(csv, "");
  CHECK_THROWS_WITH_AS(sim::open_dataset(csv, options()), doctest::Contains("is empty"), sim::FormatError);
}

TEST_CASE("a path that is not there") {
  CHECK_THROWS_WITH_AS(sim::open_dataset("/nonexistent/data", options()),
                       doctest::Contains("/nonexistent/data: cannot open"), sim::IoError);
}
