// sim-index's operations: building, adding (new classes merged by name and relabelled), duplicate
// and mismatch policies, deleting — and the promise of the whole project: a class never seen when
// the index was built is found once a few of its embeddings are added, without retraining.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "commands/index_command.hpp"
#include "commands/query_command.hpp"
#include "search/index_test_data.hpp"
#include "temp_dir.hpp"
#include "test_util.hpp"

// Index operations throw sim::Error (file and field named) for data that does not fit.
std::string error_of(const std::function<void()>& f) { return sim::test::error_of<sim::Error>(f); }

using sim::Distance;

namespace {

constexpr std::size_t kDim = 16;

// Items of the named classes (centre seeded by position in `world`), labelled by their position in
// `classes`.
sim::Embeddings items(const std::vector<std::string>& classes, std::size_t per_class, std::uint64_t seed,
                      const std::string& prefix) {
  static const std::vector<std::string> world = {"ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen", "owl"};
  const auto all = sim::test::clustered(per_class * 200, kDim, world.size(), seed, 0.25f);
  std::vector<float> rows;
  std::vector<std::int64_t> labels;
  std::vector<std::size_t> taken(classes.size(), 0);
  for (std::size_t i = 0; i < all.label.size(); ++i) {
    const std::string& name = world[std::size_t(all.label[i])];
    const auto at = std::size_t(std::find(classes.begin(), classes.end(), name) - classes.begin());
    if (at == classes.size() || taken[at] == per_class) continue;
    ++taken[at];
    rows.insert(rows.end(), all.points.begin() + std::ptrdiff_t(i * kDim),
                all.points.begin() + std::ptrdiff_t((i + 1) * kDim));
    labels.push_back(std::int64_t(at));
  }
  return sim::test::embeddings(rows, kDim, labels, classes, prefix);
}

}  // namespace

TEST_CASE("a class unseen at build time, added later, is found by queries of that class (no retraining)") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/zoo.idx";
  sim::BuildOptions build;
  build.threads = 2;
  sim::IndexArtifact index = sim::build_index(items({"ant", "bee", "cat", "dog", "eel"}, 100, 1, "a-"), "a.h5", build);
  sim::save_index(index, path, "");

  // A few examples of two new classes; "cat" appears too, under another class position.
  sim::IndexArtifact grown = sim::load_index(path);
  const sim::Embeddings added = items({"owl", "cat", "fox"}, 10, 2, "b-");
  const sim::AddReport report = sim::add_to_index(grown, added, "b.h5", build);
  CHECK(report.added == 30);
  CHECK(report.new_classes == std::vector<std::string>{"owl", "fox"});
  CHECK(grown.classes == std::vector<std::string>{"ant", "bee", "cat", "dog", "eel", "owl", "fox"});
  sim::save_index(grown, path, "");

  const sim::IndexArtifact reloaded = sim::load_index(path);
  for (std::size_t r = 0; r < added.count(); ++r) {  // relabelled to the merged positions
    const std::size_t position = reloaded.positions_by_id().at(added.ids[r]);
    CHECK(reloaded.class_name(position) == added.meta.classes[std::size_t(added.labels[r])]);
  }
  const sim::Embeddings queries = items({"owl", "fox", "cat"}, 20, 3, "q-");
  const sim::SearchResult result = reloaded.index->search(queries.data.data(), queries.count(), 5, {0, 2});
  std::size_t right = 0;
  const sim::Matcher majority(reloaded, sim::MatchRule::Majority, std::nullopt);
  for (std::size_t q = 0; q < queries.count(); ++q) {
    const sim::Decision d = majority.decide(result, q, queries.row(q));
    const std::string want = queries.meta.classes[std::size_t(queries.labels[q])];
    right += d.label >= 0 && reloaded.classes[std::size_t(d.label)] == want ? 1 : 0;
    CHECK(reloaded.class_name(std::size_t(result.position(q, 0))) == want);
  }
  CHECK(right == queries.count());
}

TEST_CASE("build and add refuse what does not fit, before changing anything") {
  sim::BuildOptions build;
  sim::Embeddings e = items({"ant", "bee"}, 10, 1, "x-");
  sim::IndexArtifact index = sim::build_index(e, "e.h5", build);

  sim::Embeddings empty = items({"ant"}, 0, 1, "none-");
  CHECK(error_of([&] { (void)sim::build_index(empty, "empty.h5", build); }).find("empty.h5: embeddings: holds no") ==
        0);

  sim::Embeddings l1 = e;
  l1.meta.distance = Distance::Manhattan;
  CHECK(error_of([&] { (void)sim::build_index(l1, "l1.h5", build); }).find("--exact") != std::string::npos);
  sim::BuildOptions exact = build;
  exact.exact = true;
  CHECK(sim::build_index(l1, "l1.h5", exact).size() == 20);

  sim::Embeddings twice = e;
  twice.ids[3] = twice.ids[0];
  CHECK(error_of([&] { (void)sim::build_index(twice, "t.h5", build); }).find("'x-0' appears twice") !=
        std::string::npos);
  sim::BuildOptions replace = build;
  replace.replace = true;
  CHECK(sim::build_index(twice, "t.h5", replace).size() == 19);

  const std::size_t before = index.size();
  CHECK(error_of([&] { sim::add_to_index(index, e, "same.h5", {}); }).find("'x-0' is already in") != std::string::npos);
  sim::Embeddings wide = items({"ant"}, 3, 1, "w-");
  wide.meta.dim = 4;
  wide.data.resize(12);
  CHECK(error_of([&] { sim::add_to_index(index, wide, "wide.h5", {}); }).find("wide.h5: dim: is 4") == 0);
  sim::Embeddings other_distance = items({"ant"}, 3, 1, "d-");
  other_distance.meta.distance = Distance::Euclidean;
  CHECK(error_of([&] { sim::add_to_index(index, other_distance, "d.h5", {}); }).find("distance") != std::string::npos);
  sim::Embeddings other_model = items({"ant"}, 3, 1, "m-");
  other_model.meta.model_fingerprint = "another";
  CHECK(error_of([&] { sim::add_to_index(index, other_model, "m.h5", {}); }).find("model_fingerprint") !=
        std::string::npos);
  CHECK(index.size() == before);
  CHECK(index.classes == std::vector<std::string>{"ant", "bee"});

  sim::AddOptions force;
  force.force = true;
  CHECK(sim::add_to_index(index, other_model, "m.h5", force).added == 3);
  CHECK(index.model_fingerprint == "fp");
}

TEST_CASE("--replace gives an id a new vector; a deleted id comes back; delete is all or nothing") {
  for (bool exact : {false, true}) {
    CAPTURE(exact);
    sim::BuildOptions build;
    build.exact = exact;
    sim::Embeddings e = items({"ant", "bee"}, 10, 1, "x-");
    sim::IndexArtifact index = sim::build_index(e, "e.h5", build);

    CHECK(error_of([&] {
            sim::delete_from_index(index, {"x-1", "nope"});
          }).find("'nope' is not in the index") != std::string::npos);
    CHECK(index.index->deleted_count() == 0);
    sim::delete_from_index(index, {"x-1", "x-2", "x-1"});
    CHECK(index.index->deleted_count() == 2);
    CHECK(error_of([&] { sim::delete_from_index(index, {"x-1"}); }).find("already deleted") != std::string::npos);
    const sim::SearchResult gone = index.index->search(e.row(1), 1, 20, {});
    for (std::size_t j = 0; j < gone.found(0); ++j) CHECK(gone.position(0, j) != 1);

    // x-1 back (deleted: no --replace needed) with x-5's vector; x-3 replaced (needs --replace).
    sim::Embeddings update =
        sim::test::embeddings(std::vector<float>(e.row(5), e.row(5) + kDim), kDim, {1}, {"ant", "bee"}, "x-");
    update.ids = {"x-1"};
    sim::AddReport r = sim::add_to_index(index, update, "u.h5", {});
    CHECK(r.revived == 1);
    update.ids = {"x-3"};
    CHECK(error_of([&] { sim::add_to_index(index, update, "u.h5", {}); }).find("--replace") != std::string::npos);
    sim::AddOptions replace;
    replace.replace = true;
    r = sim::add_to_index(index, update, "u.h5", replace);
    CHECK(r.replaced == 1);
    CHECK(index.labels[3] == 1);
    const sim::SearchResult near = index.index->search(e.row(5), 1, 3, {});
    CHECK(near.distance(0, 2) == doctest::Approx(0.0f).scale(1.0));  // x-1, x-3, x-5 all there
  }
}

TEST_CASE("info describes an index") {
  sim::test::TempDir dir;
  const std::string path = dir.path() + "/d.idx";
  sim::BuildOptions build;
  sim::IndexArtifact index = sim::build_index(items({"ant", "bee"}, 10, 1, "x-"), "e.h5", build);
  sim::save_index(index, path, R"({"program":"sim-index"})");
  const std::string text = sim::describe_index(sim::load_index(path));
  const std::string ef = "ef: " + std::to_string(index.hnsw.ef) + "\n";  // tuned for --target-recall 0.99
  for (const std::string line :
       {"type: hnsw\n", "distance: cosine\n", "dim: 16\n", "count: 20\n", "deleted: 0\n", "M: 16\n", ef.c_str(),
        "classes: 2 (ant, bee)\n", "model fingerprint: fp\n", "calibration: none\n", "d.idx.g1.hnsw",
        "recall: ", "(recall@10 at ef", "20 sampled of 20 items against exact search; ef tuned for 0.99"}) {
    CHECK_MESSAGE(text.find(line) != std::string::npos, line);
  }
}

TEST_CASE("recall by target: tuned at build, measured at a hand-set ef, tuned again after add") {
  sim::BuildOptions build;
  build.target_recall = 0.999;
  sim::IndexArtifact tuned = sim::build_index(items({"ant", "bee", "cat"}, 300, 1, "x-"), "e.h5", build);
  CHECK(tuned.recall.measured());
  CHECK(tuned.recall.target == 0.999);
  CHECK(tuned.recall.reached);
  CHECK(tuned.recall.recall >= 0.999);
  CHECK(tuned.recall.sample == 900);
  sim::add_to_index(tuned, items({"dog"}, 300, 2, "y-"), "more.h5", {});
  CHECK(tuned.recall.sample == 1000);  // measured again, on the grown index
  CHECK(tuned.recall.reached);

  build.ef_given = true;
  build.hnsw.ef = 7;
  sim::IndexArtifact pinned = sim::build_index(items({"ant", "bee"}, 50, 1, "x-"), "e.h5", build);
  CHECK(pinned.hnsw.ef == 7);
  CHECK(pinned.recall.measured());
  CHECK(pinned.recall.target == 0);

  build.target_recall = 0;
  CHECK_FALSE(sim::build_index(items({"ant"}, 50, 1, "x-"), "e.h5", build).recall.measured());
  build.exact = true;
  build.target_recall = 0.99;
  CHECK_FALSE(sim::build_index(items({"ant"}, 50, 1, "x-"), "e.h5", build).recall.measured());
}

TEST_CASE("items whose ids name files keep the file's absolute path as payload") {
  sim::test::TempDir dir;
  const std::string real = std::filesystem::canonical(dir.path()).string();
  std::ofstream(dir.path() + "/img0.png") << "x";
  sim::Embeddings e = items({"ant"}, 3, 1, "x-");
  e.ids[0] = dir.path() + "/./img0.png";
  sim::BuildOptions build;
  sim::IndexArtifact index = sim::build_index(e, "e.h5", build);
  CHECK(index.payloads == std::vector<std::string>{real + "/img0.png", "", ""});
  sim::IndexArtifact plain = sim::build_index(items({"ant"}, 3, 1, "y-"), "e.h5", build);
  CHECK(plain.payloads.empty());
  sim::add_to_index(plain, e, "e.h5", {});
  CHECK(plain.payloads.size() == 6);
  CHECK(plain.payloads[3] == real + "/img0.png");
}
