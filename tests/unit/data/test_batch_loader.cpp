#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "base/error.hpp"
#include "base/rng.hpp"
#include "data/batch_loader.hpp"
#include "data/dataset.hpp"
#include "fixtures.hpp"
#include "temp_dir.hpp"

namespace fx = sim::fixtures;

namespace {

std::shared_ptr<const sim::Dataset> folder(const std::string& root, std::size_t cache_mib = 64) {
  sim::DatasetOptions o;
  o.cache_mib = cache_mib;
  o.skip_bad = true;
  return sim::open_dataset(root, o).at("all");
}

}  // namespace

TEST_CASE("a batch is P x K items grouped by class, with their pixels and labels") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"a", "b", "c"}, {5, 5, 5}, 6, 6, 1, 1);
  const auto d = folder(dir.path());
  sim::BatchOptions config;
  config.classes_per_batch = 2;
  config.examples_per_class = 3;
  sim::BatchLoader loader(d, config, sim::AugmentOptions{}, 42, 2, false);
  sim::Batch batch;
  loader.next(batch);
  REQUIRE(batch.size == 6);
  CHECK(batch.values == 36);
  CHECK(batch.data.size() == 6 * 36);
  CHECK(batch.labels[0] == batch.labels[2]);
  CHECK(batch.labels[0] != batch.labels[3]);
  std::vector<float> expected(36);
  for (std::size_t i = 0; i < batch.size; ++i) {
    CHECK(batch.labels[i] == d->label(batch.items[i]));
    d->load(batch.items[i], expected.data());
    CHECK(std::equal(expected.begin(), expected.end(), batch.data.begin() + std::ptrdiff_t(i * 36)));
  }
}

TEST_CASE("batches depend on the seed and step, not on the number of threads") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"a", "b", "c", "d"}, {6, 6, 6, 6}, 8, 8, 3, 2);
  const auto d = folder(dir.path());
  sim::BatchOptions config;
  config.examples_per_class = 3;
  sim::AugmentOptions augment;
  augment.pad = 2;
  augment.flip = true;
  augment.brightness = 0.2f;
  sim::BatchLoader one(d, config, augment, 7, 1, false), two(d, config, augment, 7, 3, false);
  sim::Batch a, b;
  for (int step = 0; step < 5; ++step) {
    one.next(a);
    two.next(b);
    REQUIRE(a.items == b.items);
    REQUIRE(a.data == b.data);
  }
  sim::BatchLoader other_seed(d, config, augment, 8, 1, false);
  other_seed.next(b);
  sim::BatchLoader first_again(d, config, augment, 7, 1, false);
  first_again.next(a);
  CHECK(a.data != b.data);
}

TEST_CASE("two views: independent augmentations of the same items") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"a", "b"}, {4, 4}, 8, 8, 1, 3);
  const auto d = folder(dir.path());
  sim::BatchOptions config;
  config.examples_per_class = 2;
  config.views = 2;
  sim::Batch batch;
  sim::BatchLoader plain(d, config, sim::AugmentOptions{}, 1, 1, false);
  plain.next(batch);
  const std::size_t half = batch.size * batch.values;
  REQUIRE(batch.data.size() == 2 * half);
  CHECK(std::equal(batch.data.begin(), batch.data.begin() + std::ptrdiff_t(half),
                   batch.data.begin() + std::ptrdiff_t(half)));
  sim::AugmentOptions augment;
  augment.brightness = 0.3f;
  sim::BatchLoader augmented(d, config, augment, 1, 1, false);
  augmented.next(batch);
  CHECK_FALSE(std::equal(batch.data.begin(), batch.data.begin() + std::ptrdiff_t(half),
                         batch.data.begin() + std::ptrdiff_t(half)));
}

TEST_CASE("an image that fails while decoding on the fly stops the run, or is replaced with --skip-bad") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"a", "b"}, {3, 3}, 16, 16, 1, 4);
  fx::truncate_copy(dir.path() + "/a/img000.png", dir.path() + "/a/img000.png.tmp", 80);
  std::rename((dir.path() + "/a/img000.png.tmp").c_str(), (dir.path() + "/a/img000.png").c_str());
  const auto lazy = folder(dir.path(), 0);  // header probe passes; decoding fails later
  REQUIRE(lazy->size() == 6);
  sim::BatchOptions config;
  config.classes_per_batch = 2;
  config.examples_per_class = 3;  // every batch holds all of class a, so the bad file is drawn
  sim::Batch batch;
  sim::BatchLoader strict(lazy, config, sim::AugmentOptions{}, 1, 2, false);
  CHECK_THROWS_WITH_AS(strict.next(batch), doctest::Contains("a/img000.png"), sim::FormatError);
  sim::BatchLoader lenient(lazy, config, sim::AugmentOptions{}, 1, 2, true);
  for (int step = 0; step < 3; ++step) lenient.next(batch);
  CHECK(lenient.skipped() == 1);
  for (std::size_t item : batch.items) CHECK(lazy->id(item) != dir.path() + "/a/img000.png");
}

TEST_CASE("augmentation is refused for vectors") {
  sim::test::TempDir dir;
  fx::write_h5_vectors(dir.path() + "/v.h5", 8, 3, {0, 0, 0, 0, 1, 1, 1, 1});
  const auto d = sim::open_dataset(dir.path() + "/v.h5", sim::DatasetOptions{}).at("all");
  sim::AugmentOptions augment;
  augment.flip = true;
  CHECK_THROWS_AS(sim::BatchLoader(d, sim::BatchOptions{}, augment, 1, 1, false), sim::UsageError);
  sim::BatchLoader plain(d, sim::BatchOptions{}, sim::AugmentOptions{}, 1, 1, false);
  sim::Batch batch;
  plain.next(batch);
  CHECK(batch.values == 3);
}

TEST_CASE("ranks load disjoint slices that together are the single process's batch, views included") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"a", "b", "c"}, {6, 6, 6}, 8, 8, 1, 5);
  const auto d = folder(dir.path());
  sim::BatchOptions config;
  config.classes_per_batch = 3;
  config.examples_per_class = 3;  // 9 items: slices of 3 and 3 and 3, or 4 and 5
  config.views = 2;
  sim::AugmentOptions augment;
  augment.pad = 2;
  augment.brightness = 0.3f;
  for (int world : {2, 3}) {
    sim::BatchLoader single(d, config, augment, 11, 1, false);
    std::vector<std::unique_ptr<sim::BatchLoader>> ranks;
    for (int r = 0; r < world; ++r) {
      ranks.push_back(std::make_unique<sim::BatchLoader>(d, config, augment, 11, 2, false, r, world, 0));
    }
    sim::Batch whole, part;
    for (int step = 0; step < 3; ++step) {
      single.next(whole);
      std::size_t next_offset = 0;
      for (int r = 0; r < world; ++r) {
        ranks[std::size_t(r)]->next(part);
        REQUIRE(part.offset == next_offset);
        CHECK(part.size == sim::rank_slice_begin(9, r + 1, world) - part.offset);
        for (std::size_t i = 0; i < part.size; ++i) {
          CHECK(part.items[i] == whole.items[part.offset + i]);
          CHECK(part.labels[i] == whole.labels[part.offset + i]);
          for (int view = 0; view < 2; ++view) {
            const float* mine = part.data.data() + (std::size_t(view) * part.size + i) * part.values;
            const float* one = whole.data.data() + (std::size_t(view) * whole.size + part.offset + i) * whole.values;
            CHECK(std::equal(mine, mine + part.values, one));
          }
        }
        next_offset += part.size;
      }
      CHECK(next_offset == whole.size);
    }
  }
  CHECK_THROWS_AS(sim::BatchLoader(d, config, augment, 1, 1, false, 2, 2, 0), sim::UsageError);
  CHECK_THROWS_AS(sim::BatchLoader(d, config, augment, 1, 1, false, 0, 10, 0), sim::UsageError);
}

TEST_CASE("two views are two_views of each item with its seed, and the time augmenting is counted") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"a", "b"}, {4, 4}, 8, 8, 3, 6);
  const auto d = folder(dir.path());
  sim::BatchOptions config;
  config.examples_per_class = 2;
  config.views = 2;
  const sim::AugmentOptions augment = sim::augment_preset("simclr");
  sim::BatchLoader loader(d, config, augment, 3, 2, false);
  sim::Batch batch;
  loader.next(batch);
  loader.next(batch);  // step 1
  std::vector<float> source(batch.values), a(batch.values), b(batch.values);
  for (std::size_t i = 0; i < batch.size; ++i) {
    d->load(batch.items[i], source.data());
    sim::two_views(augment, source.data(), a.data(), b.data(), 3, 8, 8, sim::mix_seed(sim::mix_seed(3, 1), i));
    CHECK(std::equal(a.begin(), a.end(), batch.data.begin() + std::ptrdiff_t(i * batch.values)));
    CHECK(std::equal(b.begin(), b.end(), batch.data.begin() + std::ptrdiff_t((batch.size + i) * batch.values)));
  }
  CHECK(loader.augment_seconds() > 0.0);
  sim::BatchLoader plain(d, config, sim::AugmentOptions{}, 3, 2, false);
  plain.next(batch);
  CHECK(plain.augment_seconds() == 0.0);
}
