#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "base/error.hpp"
#include "commands/eval_command.hpp"
#include "commands/eval_output.hpp"
#include "eval/evaluation.hpp"
#include "test_util.hpp"

namespace {

// Four reference items in the plane (euclidean): class A near the origin, class B up the y axis.
sim::Embeddings reference() {
  sim::Embeddings e;
  e.meta.distance = sim::Distance::Euclidean;
  e.meta.dim = 2;
  e.meta.classes = {"A", "B"};
  e.data = {0, 0, 1, 0, 0, 3, 0, 4};
  e.labels = {0, 0, 1, 1};
  e.ids = {"a0", "a1", "b0", "b1"};
  return e;
}

// Queries worked by hand (distances to a0 a1 b0 b1):
//   qA  (0.1, 0)  A   0.1  0.9  3.00  4.00   ranking A A B B, R = 2
//   qB  (0, 3.2)  B   3.2  3.35 0.2   0.8    ranking B B A A, R = 2
//   a1  (1, 0)    A   the item a1 itself: self-match left out, R = 1; then a0 at 1.0
//   qC  (5, 5)    C   a class the index does not hold: R = 0; nearest is b1 (B) at 5.10
//   qU  (0, 0)    unlabelled: not graded
// The labels use the queries' own class order (C, B, A), which evaluation maps by name.
sim::Embeddings queries() {
  sim::Embeddings q;
  q.meta.distance = sim::Distance::Euclidean;
  q.meta.dim = 2;
  q.meta.classes = {"C", "B", "A"};
  q.data = {0.1f, 0, 0, 3.2f, 1, 0, 5, 5, 0, 0};
  q.labels = {2, 1, 2, 0, -1};
  q.ids = {"qA", "qB", "a1", "qC", "qU"};
  return q;
}

}  // namespace

TEST_CASE("evaluation of a case worked by hand") {
  const sim::IndexArtifact index = sim::reference_index(reference(), "ref.h5", 1);
  sim::EvalOptions options;
  options.k = 10;  // larger than the index
  const sim::EvalResult r = sim::evaluate(index, queries(), "q.h5", options);

  CHECK(r.queries == 5);
  CHECK(r.unlabelled == 1);
  CHECK(r.self_matches == 1);
  CHECK(r.all.queries == 4);
  CHECK(r.all.no_relevant == 1);  // qC
  REQUIRE(r.all.scores.queries == 3);
  const sim::QueryScores m = r.all.scores.mean();
  CHECK(m.precision_at_1 == 1.0);
  CHECK(m.map_at_r == 1.0);
  // P@10: qA 2/10, qB 2/10, a1 1/10 (its only other A).
  CHECK(m.precision_at_k == doctest::Approx((0.2 + 0.2 + 0.1) / 3));
  CHECK(m.recall_at_k == 1.0);
  CHECK(r.classes == std::vector<std::string>{"A", "B", "C"});
  CHECK(r.searched_slots == 11);  // k, plus one for the self-match

  // Decisions (nearest): qA, qB, a1 right at 0.1, 0.2, 1.0; qC wrong (B) at sqrt(26).
  REQUIRE(r.records.size() == 4);
  CHECK(r.records[2].matched == 0);
  CHECK(r.records[2].distance == doctest::Approx(1.0));
  CHECK(r.records[3].label == 2);
  CHECK(r.records[3].matched == 1);
  CHECK(r.records[3].distance == doctest::Approx(5.0990195));
  // The best threshold accepts the three right answers and rejects the unknown class.
  REQUIRE(!r.thresholds.empty());
  CHECK(r.thresholds[0].point.threshold == doctest::Approx(1.0));
  CHECK(r.thresholds[0].point.f1 == 1.0);
  CHECK(r.thresholds[0].point.tn == 1);

  // Pairs among the first k neighbours: qA 2 matching + 2 not, qB 2 + 2, a1 1 + 2, qC 0 + 4.
  CHECK(r.matching_distances.size() == 5);
  CHECK(r.non_matching_distances.size() == 10);
  REQUIRE(r.examples.size() == 4);
  CHECK(r.examples[2].positions == std::vector<std::size_t>{0, 2, 3});  // a1 without itself
}

TEST_CASE("seen and unseen classes reported apart") {
  const sim::IndexArtifact index = sim::reference_index(reference(), "ref.h5", 1);
  sim::EvalOptions options;
  options.unseen_classes = {"B"};
  const sim::EvalResult r = sim::evaluate(index, queries(), "q.h5", options);
  CHECK(r.split);
  CHECK(r.unseen.queries == 1);  // qB
  CHECK(r.seen.queries == 3);    // qA, a1, qC
  CHECK(r.seen.no_relevant == 1);
  options.unseen_classes = {"Z"};
  CHECK(sim::test::error_of<sim::UsageError>([&] { sim::evaluate(index, queries(), "q.h5", options); }).find("'Z'") !=
        std::string::npos);
}

TEST_CASE("ties are ranked by position, so results are repeatable") {
  sim::Embeddings ref;
  ref.meta.distance = sim::Distance::Euclidean;
  ref.meta.dim = 1;
  ref.meta.classes = {"A", "B"};
  ref.data = {1, -1};  // both at distance 1 from 0
  ref.labels = {0, 1};
  ref.ids = {"a", "b"};
  sim::Embeddings q = ref;
  q.data = {0, 0};
  q.labels = {0, 1};
  q.ids = {"qa", "qb"};
  const sim::IndexArtifact index = sim::reference_index(ref, "ref.h5", 1);
  sim::EvalOptions options;
  options.k = 1;
  const sim::EvalResult r = sim::evaluate(index, q, "q.h5", options);
  CHECK(r.all.scores.sum.precision_at_1 == 1.0);   // qa finds a (position 0) first; qb does not
  CHECK(r.all.scores.sum.reciprocal_rank == 1.0);  // qb's window (max(k, R) = 1) holds only a
  // Both decisions sit at the same distance: no threshold can accept one without the other.
  CHECK(r.curve.size() == 1);
  CHECK(r.curve[0].tp == 1);
  CHECK(r.curve[0].fp == 1);
}

TEST_CASE("queries that do not fit, or carry no label") {
  const sim::IndexArtifact index = sim::reference_index(reference(), "ref.h5", 1);
  sim::Embeddings q = queries();
  q.labels.assign(q.labels.size(), -1);
  CHECK(sim::test::error_of<sim::Error>([&] { sim::evaluate(index, q, "q.h5", {}); }).find("no query is labelled") !=
        std::string::npos);
  q = queries();
  q.meta.distance = sim::Distance::Cosine;
  CHECK(sim::test::error_of<sim::Error>([&] { sim::evaluate(index, q, "q.h5", {}); }).find("q.h5: distance") !=
        std::string::npos);
}

TEST_CASE("JSON and figures") {
  const sim::IndexArtifact index = sim::reference_index(reference(), "ref.h5", 1);
  sim::EvalOptions options;
  options.target_precisions = {0.99};
  options.unseen_classes = {"B"};
  const sim::EvalResult r = sim::evaluate(index, queries(), "q.h5", options);
  sim::EvalContext context;
  context.reference = "ref.h5";
  context.queries = "q.h5";
  context.distance = sim::Distance::Euclidean;
  const nlohmann::json doc = sim::eval_json(r, context);
  CHECK(doc["format"] == "sim-eval");
  CHECK(doc["metrics"]["precision@1"] == 1.0);
  CHECK(doc["counts"]["no_relevant"] == 1);
  CHECK(doc["thresholds"]["precision>=0.99"]["threshold"] == doctest::Approx(1.0));
  const auto figures = sim::named_figures(doc, "x.json");
  CHECK(figures.at("map@r") == 1.0);
  CHECK(figures.at("unseen.precision@1") == 1.0);
  CHECK(figures.at("optimal.f1") == 1.0);
  CHECK(figures.count("ndcg@10") == 1);
  CHECK(sim::test::error_of<sim::FormatError>([] {
          sim::named_figures(nlohmann::json{{"a", 1}}, "x.json");
        }).find("x.json: format") != std::string::npos);
  const std::string table = sim::eval_table(r, context);
  CHECK(table.find("map@r") != std::string::npos);
  CHECK(table.find("optimal") != std::string::npos);
}
