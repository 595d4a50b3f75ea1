// sim-query's pieces: streaming line parsing, match decisions, and the exact TSV / JSON Lines text.
#include <doctest/doctest.h>

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
  // Query 2.6: e (3, unlabelled), c (2, dog), b (1, cat).
  sim::Decision d = sim::decide(a, r, 0, sim::MatchRule::Nearest, std::nullopt);
  CHECK(d.label == 1);
  CHECK(d.distance == doctest::Approx(0.6f));
  d = sim::decide(a, r, 0, sim::MatchRule::Majority, std::nullopt);  // dog 1 vote, cat 1: dog is closer
  CHECK(d.label == 1);
  d = sim::decide(a, r, 0, sim::MatchRule::Nearest, 0.5);  // beyond the threshold
  CHECK(d.label == -1);
  CHECK(d.has_neighbour);
  // Query 0.4: a (cat), b (cat), c (dog): cat by both rules.
  CHECK(sim::decide(a, r, 1, sim::MatchRule::Majority, std::nullopt).label == 0);
  // Query 9: f (dog), e (none), c (dog).
  CHECK(sim::decide(a, r, 2, sim::MatchRule::Majority, 1.5).label == 1);
}

TEST_CASE("TSV and JSON Lines output, byte for byte") {
  sim::IndexArtifact a = line_index();
  a.calibration.names = {"optimal"};
  a.calibration.thresholds = {0.5};
  const float q[] = {2.5f};
  const sim::SearchResult r = a.index->search(q, 1, 3, {});

  const sim::NeighbourWriter tsv(a, sim::OutputFormat::Tsv, sim::MatchRule::None, std::nullopt);
  std::string out = tsv.header();
  tsv.append(out, "q\\1", r, 0);
  CHECK(out ==
        "query\trank\tid\tlabel\tdistance\n"
        "q\\\\1\t1\tc\\td\tdog\t0.5\n"
        "q\\\\1\t2\te\t\t0.5\n"
        "q\\\\1\t3\tb\tcat\t1.5\n");

  const sim::NeighbourWriter matched(a, sim::OutputFormat::Tsv, sim::MatchRule::Nearest,
                                     sim::match_threshold(a, sim::MatchRule::Nearest));
  out = matched.header();
  CHECK(out == "query\trank\tid\tlabel\tdistance\tmatch\n");
  matched.append(out, "q", r, 0);
  CHECK(out.find("q\t1\tc\\td\tdog\t0.5\tdog\n") != std::string::npos);

  const sim::NeighbourWriter json(a, sim::OutputFormat::Jsonl, sim::MatchRule::Majority, 0.1);
  out = json.header();
  json.append(out, "q\"1", r, 0);
  CHECK(out ==
        "{\"query\":\"q\\\"1\",\"neighbours\":[{\"rank\":1,\"id\":\"c\\td\",\"label\":\"dog\",\"distance\":0.5},"
        "{\"rank\":2,\"id\":\"e\",\"label\":null,\"distance\":0.5},"
        "{\"rank\":3,\"id\":\"b\",\"label\":\"cat\",\"distance\":1.5}],"
        "\"match\":\"unknown\",\"match_distance\":0.5}\n");
}
