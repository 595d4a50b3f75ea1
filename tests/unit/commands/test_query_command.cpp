// sim-query's pieces: streaming line parsing, match decisions (neighbours and prototypes), calibrated
// thresholds by rule, and the exact TSV / JSON Lines text.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "commands/query_command.hpp"
#include "search/exact_index.hpp"

using sim::Distance;

namespace {

std::string parse_error(const std::string& line, std::size_t dim) {
  try {
    (void)sim::parse_query_line(line, dim, 4);
  } catch (const sim::FormatError& e) {
    return e.what();
  }
  return "no error";
}

// Five 1-D items at 0, 1, 2, 3, 10: labels cat, cat, dog, (none), dog.
sim::IndexArtifact line_index() {
  sim::IndexArtifact a;
  a.distance = Distance::Euclidean;
  a.dim = 1;
  a.type = sim::IndexType::Exact;
  a.path = "line.idx";
  auto exact = std::make_unique<sim::ExactIndex>(Distance::Euclidean, 1);
  const float xs[] = {0, 1, 2, 3, 10};
  exact->add(xs, 5, 1);
  a.index = std::move(exact);
  a.ids = {"a", "b", "c\td", "e", "f"};
  a.labels = {0, 0, 1, -1, 1};
  a.classes = {"cat", "dog"};
  return a;
}

}  // namespace

TEST_CASE("streaming query lines: numbers by commas or blanks, an optional id before a tab") {
  auto line = [](const std::string& text, std::size_t dim) { return *sim::parse_query_line(text, dim, 7); };
  CHECK(line("1,2,3", 3).values == std::vector<float>{1, 2, 3});
  CHECK(line("1,2,3", 3).id == "7");
  CHECK(line(" 1 2\t 3 \r", 3).values == std::vector<float>{1, 2, 3});
  CHECK(line("1\t2\t3", 3).id == "7");
  CHECK(line("q1\t1, 2, -3e-1", 3).id == "q1");
  CHECK(line("q1\t1, 2, -3e-1", 3).values == std::vector<float>{1, 2, -0.3f});
  CHECK(line("42\t1 2", 2).id == "42");
  CHECK(!sim::parse_query_line("", 3, 1));
  CHECK(!sim::parse_query_line("  \r", 3, 1));
  CHECK(parse_error("1,2", 3) == "-: line 4: expected 3 numbers (the index's dimension), found 2");
  CHECK(parse_error("q\t1,2", 3) == "-: line 4: expected 3 numbers (the index's dimension), found 2");
  CHECK(parse_error("1,x,3", 3) == "-: line 4: 'x' is not a number");
  CHECK(parse_error("q\t1,nan,3", 3) == "-: line 4: 'nan' is not a finite number");
  CHECK(parse_error("q 1 2 3", 3) == "-: line 4: 'q' is not a number");
}

TEST_CASE("match decisions: nearest labelled neighbour, majority with ties to the closer class, thresholds") {
  const sim::IndexArtifact a = line_index();
  const float q[] = {2.6f, 0.4f, 9.0f};
  const sim::SearchResult r = a.index->search(q, 3, 3, {});
  const auto decide = [&](std::size_t i, sim::MatchRule rule, std::optional<double> threshold) {
    return sim::Matcher(a, rule, threshold).decide(r, i, q + i);
  };
  // Query 2.6: e (3, unlabelled), c (2, dog), b (1, cat).
  sim::Decision d = decide(0, sim::MatchRule::Nearest, std::nullopt);
  CHECK(d.label == 1);
  CHECK(d.distance == doctest::Approx(0.6f));
  d = decide(0, sim::MatchRule::Majority, std::nullopt);  // dog 1 vote, cat 1: dog is closer
  CHECK(d.label == 1);
  d = decide(0, sim::MatchRule::Nearest, 0.5);  // beyond the threshold
  CHECK(d.label == -1);
  CHECK(d.has_neighbour);
  // Query 0.4: a (cat), b (cat), c (dog): cat by both rules.
  CHECK(decide(1, sim::MatchRule::Majority, std::nullopt).label == 0);
  // Query 9: f (dog), e (none), c (dog).
  CHECK(decide(2, sim::MatchRule::Majority, 1.5).label == 1);
  CHECK(decide(0, sim::MatchRule::None, std::nullopt).label == -1);
}

TEST_CASE("match decisions: centroid answers with the nearest class mean, whatever the neighbours") {
  sim::IndexArtifact a = line_index();
  a.prototypes = sim::sum_prototypes(*a.index, a.labels, a.classes.size());  // cat: mean 0.5; dog: mean 6
  const float q[] = {2.6f, 0.4f, 9.0f, 3.2f};
  const sim::SearchResult r = a.index->search(q, 4, 3, {});
  const sim::Matcher centroid(a, sim::MatchRule::Centroid, std::nullopt);
  // 2.6: its nearest labelled neighbour is a dog (2), but the cats' mean (0.5) is nearer than the dogs' (6).
  sim::Decision d = centroid.decide(r, 0, q);
  CHECK(d.label == 0);
  CHECK(d.distance == doctest::Approx(2.1f));
  CHECK(centroid.decide(r, 1, q + 1).label == 0);
  CHECK(centroid.decide(r, 2, q + 2).label == 1);
  d = centroid.decide(r, 3, q + 3);  // 2.7 from cat, 2.8 from dog
  CHECK(d.label == 0);
  CHECK(d.distance == doctest::Approx(2.7f));
  d = sim::Matcher(a, sim::MatchRule::Centroid, 2.5).decide(r, 3, q + 3);
  CHECK(d.label == -1);
  CHECK(d.has_neighbour);

  // Every dog deleted: the class stays in the index's list but has no prototype.
  a.index->mark_deleted(2);
  a.index->mark_deleted(4);
  a.prototypes = sim::sum_prototypes(*a.index, a.labels, a.classes.size());
  CHECK(a.prototypes.counts == std::vector<std::int64_t>{2, 0});
  CHECK(sim::Matcher(a, sim::MatchRule::Centroid, std::nullopt).decide(r, 2, q + 2).label == 0);
}

TEST_CASE("match decisions: centroid refuses an index it cannot decide by") {
  const auto error = [](const sim::IndexArtifact& a) {
    try {
      sim::Matcher m(a, sim::MatchRule::Centroid, std::nullopt);
    } catch (const sim::FormatError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  sim::IndexArtifact a = line_index();
  CHECK(error(a) ==
        "line.idx: prototypes: missing (an index written by an older sim, opened without its vectors): any write "
        "stores them, e.g. sim-eval --write");
  a.labels.assign(5, -1);
  a.prototypes = sim::sum_prototypes(*a.index, a.labels, a.classes.size());
  CHECK(error(a) == "line.idx: labels: no item is labelled: --match centroid needs classes to match");
  a = line_index();
  for (std::size_t p : {0, 1, 2, 4}) a.index->mark_deleted(p);
  a.prototypes = sim::sum_prototypes(*a.index, a.labels, a.classes.size());
  CHECK(error(a) == "line.idx: labels: no labelled item is live: --match centroid has no class to match");
  CHECK(sim::Matcher(a, sim::MatchRule::Nearest, std::nullopt).rule() == sim::MatchRule::Nearest);  // needs none
}

TEST_CASE("calibrated thresholds serve the rule they were calibrated for") {
  sim::IndexArtifact a = line_index();
  a.calibration.names = {"optimal"};
  a.calibration.thresholds = {0.5};
  CHECK(sim::match_threshold(a, sim::MatchRule::Nearest) == 0.5);  // an older file: a neighbour rule
  CHECK(sim::match_threshold(a, sim::MatchRule::Majority) == 0.5);
  CHECK(!sim::match_threshold(a, sim::MatchRule::Centroid));
  a.calibration.match = "centroid";
  CHECK(sim::match_threshold(a, sim::MatchRule::Centroid) == 0.5);
  CHECK(!sim::match_threshold(a, sim::MatchRule::Nearest));
  a.calibration.match = "majority";
  CHECK(sim::match_threshold(a, sim::MatchRule::Nearest) == 0.5);
  CHECK(!sim::match_threshold(a, sim::MatchRule::None));
}

TEST_CASE("TSV and JSON Lines output, byte for byte") {
  sim::IndexArtifact a = line_index();
  a.calibration.names = {"optimal"};
  a.calibration.thresholds = {0.5};
  const float q[] = {2.5f};
  const sim::SearchResult r = a.index->search(q, 1, 3, {});

  const sim::NeighbourWriter tsv(a, sim::OutputFormat::Tsv, sim::MatchRule::None, std::nullopt);
  std::string out = tsv.header();
  tsv.append(out, "q\\1", r, 0, q);
  CHECK(out ==
        "query\trank\tid\tlabel\tdistance\n"
        "q\\\\1\t1\tc\\td\tdog\t0.5\n"
        "q\\\\1\t2\te\t\t0.5\n"
        "q\\\\1\t3\tb\tcat\t1.5\n");

  const sim::NeighbourWriter matched(a, sim::OutputFormat::Tsv, sim::MatchRule::Nearest,
                                     sim::match_threshold(a, sim::MatchRule::Nearest));
  out = matched.header();
  CHECK(out == "query\trank\tid\tlabel\tdistance\tmatch\n");
  matched.append(out, "q", r, 0, q);
  CHECK(out.find("q\t1\tc\\td\tdog\t0.5\tdog\n") != std::string::npos);

  const sim::NeighbourWriter json(a, sim::OutputFormat::Jsonl, sim::MatchRule::Majority, 0.1);
  out = json.header();
  json.append(out, "q\"1", r, 0, q);
  CHECK(out ==
        "{\"query\":\"q\\\"1\",\"neighbours\":[{\"rank\":1,\"id\":\"c\\td\",\"label\":\"dog\",\"distance\":0.5},"
        "{\"rank\":2,\"id\":\"e\",\"label\":null,\"distance\":0.5},"
        "{\"rank\":3,\"id\":\"b\",\"label\":\"cat\",\"distance\":1.5}],"
        "\"match\":\"unknown\",\"match_distance\":0.5}\n");
}
