#include <doctest/doctest.h>

#include <set>

#include "base/error.hpp"
#include "data/dataset.hpp"
#include "data/dataset_split.hpp"
#include "fixtures.hpp"
#include "temp_dir.hpp"

namespace fx = sim::fixtures;

namespace {

// 5 classes x 20 items as HDF5 vectors; the label of row r is r % 5.
sim::DatasetSplits five_classes(const sim::test::TempDir& dir) {
  std::vector<std::int64_t> labels;
  for (int r = 0; r < 100; ++r) labels.push_back(r % 5);
  fx::write_h5_vectors(dir.path() + "/v.h5", 100, 2, labels, {}, {"a", "b", "c", "d", "e"});
  return sim::open_dataset(dir.path() + "/v.h5", sim::DatasetOptions{});
}

std::set<std::string> ids(const sim::Dataset& d) {
  std::set<std::string> out;
  for (std::size_t i = 0; i < d.size(); ++i) out.insert(d.id(i));
  return out;
}

}  // namespace

TEST_CASE("--val-split holds out the same fraction of every class, repeatably") {
  sim::test::TempDir dir;
  const auto splits = five_classes(dir);
  sim::SplitOptions o;
  o.val_split = 0.2;
  const sim::TrainVal a = sim::make_train_val(splits, o, 7, false);
  CHECK(a.train->size() == 80);
  CHECK(a.val->size() == 20);
  CHECK(a.val_source == "20% of train");
  for (std::size_t count : sim::class_counts(*a.val)) CHECK(count == 4);
  for (const auto& id : ids(*a.val)) CHECK(ids(*a.train).count(id) == 0);  // disjoint

  CHECK(ids(*sim::make_train_val(splits, o, 7, false).val) == ids(*a.val));  // same seed, same split
  CHECK(ids(*sim::make_train_val(splits, o, 8, false).val) != ids(*a.val));
}

TEST_CASE("without a split of its own, 10% is held out; with one, it is used") {
  sim::test::TempDir dir;
  const auto splits = five_classes(dir);
  const sim::TrainVal tv = sim::make_train_val(splits, sim::SplitOptions{}, 1, false);
  CHECK(tv.val->size() == 10);
  CHECK(tv.val_source == "10% of train");

  sim::test::TempDir folder;
  fx::write_image_folder(folder.path() + "/train", {"a", "b"}, {3, 3}, 4, 4, 1, 1);
  fx::write_image_folder(folder.path() + "/test", {"a", "b"}, {2, 2}, 4, 4, 1, 2);
  const auto with_test = sim::open_dataset(folder.path(), sim::DatasetOptions{});
  const sim::TrainVal t = sim::make_train_val(with_test, sim::SplitOptions{}, 1, false);
  CHECK(t.val_source == "test split");
  CHECK(t.train->size() == 6);
  CHECK(t.val->size() == 4);

  sim::SplitOptions none;
  none.val_split = 0;
  CHECK(sim::make_train_val(with_test, none, 1, false).val == nullptr);
}

TEST_CASE("--holdout-classes: whole classes never trained on") {
  sim::test::TempDir dir;
  const auto splits = five_classes(dir);
  sim::SplitOptions o;
  o.holdout = "b,e";
  const sim::TrainVal tv = sim::make_train_val(splits, o, 1, false);
  CHECK(tv.unseen_classes == std::vector<std::string>{"b", "e"});
  CHECK(tv.val->size() == 40);
  const auto train_counts = sim::class_counts(*tv.train);
  CHECK(train_counts == std::vector<std::size_t>{20, 0, 20, 20, 0});

  o.holdout = "2";
  const sim::TrainVal by_count = sim::make_train_val(splits, o, 3, false);
  CHECK(by_count.unseen_classes.size() == 2);
  CHECK(sim::make_train_val(splits, o, 3, false).unseen_classes == by_count.unseen_classes);

  o.holdout = "zebra";
  CHECK_THROWS_WITH_AS(sim::make_train_val(splits, o, 1, false), doctest::Contains("no class named 'zebra'"),
                       sim::UsageError);
  o.holdout = "5";
  CHECK_THROWS_AS(sim::make_train_val(splits, o, 1, false), sim::UsageError);
}

TEST_CASE("a class with one item cannot be trained on: error, or dropped with --skip-bad") {
  sim::test::TempDir dir;
  fx::write_image_folder(dir.path(), {"lonely", "many"}, {1, 4}, 4, 4, 1, 1);
  const auto splits = sim::open_dataset(dir.path(), sim::DatasetOptions{});
  sim::SplitOptions o;
  o.val_split = 0;
  CHECK_THROWS_WITH_AS(sim::make_train_val(splits, o, 1, false),
                       doctest::Contains("class 'lonely': has 1 item; similarity training needs at least 2"),
                       sim::FormatError);
  const sim::TrainVal tv = sim::make_train_val(splits, o, 1, true);
  CHECK(tv.train->size() == 4);
}

TEST_CASE("select_items: some classes, the first few of each") {
  sim::test::TempDir dir;
  const auto all = five_classes(dir).at("all");
  const auto two = sim::select_items(all, {"b", "e"}, 3);
  REQUIRE(two->size() == 6);
  CHECK(two->classes() == all->classes());  // names and labels unchanged
  // Rows 1, 6, 11 are class b (label 1); rows 4, 9, 14 class e: the first three of each, in order.
  CHECK(two->label(0) == 1);
  CHECK(two->id(0) == all->id(1));
  CHECK(two->id(1) == all->id(4));
  CHECK(two->id(5) == all->id(14));
  CHECK(sim::class_counts(*two) == std::vector<std::size_t>{0, 3, 0, 0, 3});
  CHECK(sim::select_items(all, {}, 2)->size() == 10);
  CHECK(sim::select_items(all, {"a"}, 0)->size() == 20);
  CHECK(sim::select_items(all, {}, 0) == all);
  CHECK_THROWS_WITH_AS(sim::select_items(all, {"zebra"}, 0), doctest::Contains("'zebra' is not a class"),
                       sim::UsageError);
}
