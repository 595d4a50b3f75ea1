// Class prototypes kept in the index sidecar: after build, add, delete, replace and merge they equal
// a mean computed here independently from the input rows (normalised in double for cosine); a
// sidecar older than them is summed on load; counts that disagree with the labels are refused.
#include <doctest/doctest.h>
#include <hdf5.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "commands/index_command.hpp"
#include "formats/h5.hpp"
#include "search/index_file.hpp"
#include "search/index_set.hpp"
#include "search/index_test_data.hpp"
#include "search/matching.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

using sim::test::error_of;

namespace {

constexpr std::size_t kDim = 6;

// Rows labelled by class name; the independent prototypes are computed from these.
struct Rows {
  std::vector<std::string> ids;
  std::vector<std::string> classes;  // per row, "" = unlabelled
  std::vector<std::vector<float>> vectors;
};

Rows make_rows(std::size_t n, std::uint64_t seed, const std::string& prefix, const std::vector<std::string>& names) {
  const auto data = sim::test::clustered(n, kDim, names.size(), seed, 0.4f);
  Rows r;
  for (std::size_t i = 0; i < n; ++i) {
    r.ids.push_back(prefix + std::to_string(i));
    r.classes.push_back(i % 7 == 6 ? "" : names[std::size_t(data.label[i])]);  // every 7th unlabelled
    r.vectors.emplace_back(data.points.begin() + std::ptrdiff_t(i * kDim),
                           data.points.begin() + std::ptrdiff_t((i + 1) * kDim));
  }
  return r;
}

sim::Embeddings as_embeddings(const Rows& r, sim::Distance distance) {
  std::vector<std::string> classes;
  std::vector<std::int64_t> labels;
  std::vector<float> flat;
  for (std::size_t i = 0; i < r.ids.size(); ++i) {
    std::int64_t label = -1;
    if (!r.classes[i].empty()) {
      auto at = std::find(classes.begin(), classes.end(), r.classes[i]);
      if (at == classes.end()) at = classes.insert(classes.end(), r.classes[i]);
      label = at - classes.begin();
    }
    labels.push_back(label);
    flat.insert(flat.end(), r.vectors[i].begin(), r.vectors[i].end());
  }
  sim::Embeddings e = sim::test::embeddings(flat, kDim, labels, classes, "", distance);
  e.ids = r.ids;
  return e;
}

// Per class name, the mean of the live rows (id -> row), each scaled to unit length first for cosine.
std::map<std::string, std::vector<double>> expected_means(const std::map<std::string, std::pair<std::string, std::vector<float>>>& live,
                                                          bool unit) {
  std::map<std::string, std::vector<double>> sums;
  std::map<std::string, double> counts;
  for (const auto& [id, row] : live) {
    const auto& [name, v] = row;
    if (name.empty()) continue;
    double norm = 0;
    for (float x : v) norm += double(x) * double(x);
    const double scale = unit ? 1 / std::sqrt(norm) : 1;
    auto& sum = sums[name];
    sum.resize(kDim, 0.0);
    for (std::size_t d = 0; d < kDim; ++d) sum[d] += double(v[d]) * scale;
    counts[name] += 1;
  }
  for (auto& [name, sum] : sums) {
    for (double& x : sum) x /= counts[name];
  }
  return sums;
}

// Checks that the index's prototypes are the expected means, class by class, and that no class
// without live rows counts any.
void check_prototypes(const sim::IndexArtifact& a,
                      const std::map<std::string, std::pair<std::string, std::vector<float>>>& live, bool unit) {
  const auto want = expected_means(live, unit);
  REQUIRE(a.prototypes.dim == kDim);
  REQUIRE(a.prototypes.classes() == a.classes.size());
  for (std::size_t c = 0; c < a.classes.size(); ++c) {
    const auto it = want.find(a.classes[c]);
    if (it == want.end()) {
      CHECK(a.prototypes.counts[c] == 0);
      continue;
    }
    REQUIRE(a.prototypes.counts[c] > 0);
    for (std::size_t d = 0; d < kDim; ++d) {
      const double mean = a.prototypes.sums[c * kDim + d] / double(a.prototypes.counts[c]);
      CHECK(mean == doctest::Approx(it->second[d]).epsilon(1e-5));
    }
  }
}

void add_live(std::map<std::string, std::pair<std::string, std::vector<float>>>& live, const Rows& r) {
  for (std::size_t i = 0; i < r.ids.size(); ++i) live[r.ids[i]] = {r.classes[i], r.vectors[i]};
}

}  // namespace

TEST_CASE("prototypes are the classes' means after build, add, replace and delete (HNSW and exact, cosine and L2)") {
  for (const bool exact : {false, true}) {
    for (const sim::Distance distance : {sim::Distance::Cosine, sim::Distance::Euclidean}) {
      CAPTURE(exact);
      CAPTURE(sim::to_string(distance));
      sim::test::TempDir dir;
      const std::string path = dir.path() + "/p.idx";
      const bool unit = distance == sim::Distance::Cosine;
      std::map<std::string, std::pair<std::string, std::vector<float>>> live;

      const Rows first = make_rows(120, 1, "a", {"ant", "bee", "cat"});
      sim::BuildOptions build;
      build.exact = exact;
      build.threads = 1;
      sim::IndexArtifact a = sim::build_index(as_embeddings(first, distance), "first.h5", build);
      sim::save_index(a, path, "");
      add_live(live, first);
      check_prototypes(sim::load_index(path), live, unit);
      check_prototypes(sim::load_index(path, /*with_vectors=*/false), live, unit);

      // add: a new class with one item, more of an old one, and a replaced row that changes class.
      Rows more = make_rows(10, 2, "b", {"cat"});
      more.ids.push_back("owl-0");
      more.classes.push_back("owl");
      more.vectors.push_back({0.5f, -1, 2, 0.25f, 1, -0.5f});
      more.ids.push_back("a0");
      more.classes.push_back("owl");
      more.vectors.push_back({1, 1, -1, 0.5f, 0, 2});
      sim::AddOptions add;
      add.replace = true;
      sim::IndexArtifact b = sim::load_index_for_writing(path, false);
      (void)sim::add_to_index(b, as_embeddings(more, distance), "more.h5", add);
      sim::save_index(b, path, "");
      add_live(live, more);
      const sim::IndexArtifact after_add = sim::load_index(path);
      check_prototypes(after_add, live, unit);
      // A class of one item: its prototype is that item (unit length for cosine).
      const auto owl = std::size_t(std::find(after_add.classes.begin(), after_add.classes.end(), "owl") -
                                   after_add.classes.begin());
      CHECK(after_add.prototypes.counts.at(owl) == 2);

      // delete: every ant, and one owl.
      std::vector<std::string> gone{"owl-0"};
      for (const auto& [id, row] : live) {
        if (row.first == "ant") gone.push_back(id);
      }
      sim::IndexArtifact c = sim::load_index_for_writing(path, false);
      sim::delete_from_index(c, gone);
      sim::save_index(c, path, "");
      for (const std::string& id : gone) live.erase(id);
      const sim::IndexArtifact after_delete = sim::load_index(path);
      check_prototypes(after_delete, live, unit);
      const auto ant = std::size_t(std::find(after_delete.classes.begin(), after_delete.classes.end(), "ant") -
                                   after_delete.classes.begin());
      CHECK(after_delete.prototypes.counts.at(ant) == 0);
      CHECK(after_delete.prototypes.counts.at(owl) == 1);

      // The one-item owl class is decided for a query at its item; the emptied ant class never is.
      const sim::Matcher centroid(after_delete, sim::MatchRule::Centroid, std::nullopt);
      const std::vector<float> at_owl{1, 1, -1, 0.5f, 0, 2};
      const sim::SearchResult r = after_delete.index->search(at_owl.data(), 1, 3, {});
      const sim::Decision d = centroid.decide(r, 0, at_owl.data());
      CHECK(after_delete.classes.at(std::size_t(d.label)) == "owl");
      CHECK(d.distance == doctest::Approx(0.0).epsilon(1e-5));
    }
  }
}

TEST_CASE("prototypes of shards opened as one, and of their merge, are those of the union") {
  sim::test::TempDir dir;
  const Rows one = make_rows(80, 3, "x", {"ant", "bee"});
  const Rows two = make_rows(60, 4, "y", {"bee", "cat"});  // "bee" at another class position
  sim::BuildOptions build;
  build.threads = 1;
  sim::IndexArtifact a = sim::build_index(as_embeddings(one, sim::Distance::Cosine), "one.h5", build);
  sim::IndexArtifact b = sim::build_index(as_embeddings(two, sim::Distance::Cosine), "two.h5", build);
  sim::save_index(a, dir.path() + "/one.idx", "");
  sim::save_index(b, dir.path() + "/two.idx", "");
  std::map<std::string, std::pair<std::string, std::vector<float>>> live;
  add_live(live, one);
  add_live(live, two);
  const sim::IndexArtifact both = sim::open_index_set({dir.path() + "/one.idx", dir.path() + "/two.idx"});
  check_prototypes(both, live, true);
  sim::IndexArtifact merged = sim::merge_indexes(both, 1);
  sim::save_index(merged, dir.path() + "/merged.idx", "");
  check_prototypes(sim::load_index(dir.path() + "/merged.idx"), live, true);
}

TEST_CASE("a sidecar without prototypes (an older sim) is summed on load; counts that disagree are refused") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/old.idx";
  const Rows rows = make_rows(50, 5, "z", {"ant", "bee"});
  sim::BuildOptions build;
  build.threads = 1;
  sim::IndexArtifact a = sim::build_index(as_embeddings(rows, sim::Distance::Cosine), "rows.h5", build);
  sim::save_index(a, path, "");
  std::map<std::string, std::pair<std::string, std::vector<float>>> live;
  add_live(live, rows);

  hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const std::vector<std::int64_t> wrong{3, 4};
  H5Ldelete(f, "prototypes/counts", H5P_DEFAULT);
  sim::write_dataset(f, "prototypes/counts", H5T_STD_I64LE, H5T_NATIVE_INT64, wrong.data(), {2}, "test");
  H5Fclose(f);
  const std::string refused = error_of([&] { (void)sim::load_index(path); });
  CAPTURE(refused);
  CHECK(refused.find(path + ": prototypes/counts: class '" + a.classes[0] + "' counts 3 items but the index holds ") == 0);

  f = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(f, "prototypes", H5P_DEFAULT);
  H5Fclose(f);
  check_prototypes(sim::load_index(path), live, true);
  const sim::IndexArtifact sidecar_only = sim::load_index(path, /*with_vectors=*/false);
  CHECK(sidecar_only.prototypes.dim == 0);
  CHECK(error_of([&] { sim::Matcher m(sidecar_only, sim::MatchRule::Centroid, std::nullopt); })
            .find("prototypes: missing") != std::string::npos);
}
