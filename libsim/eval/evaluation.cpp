#include "eval/evaluation.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/error.hpp"
#include "base/parallel.hpp"
#include "base/progress.hpp"

namespace sim {
namespace {

// Neighbour slots held per chunk of queries (positions + distances: 12 bytes each, ~50 MB): with
// R in the thousands (Fashion-MNIST: 6,000 per class) a chunk is a few hundred queries.
constexpr std::size_t kSlotsPerChunk = std::size_t(1) << 22;

// Removes query q's self-match (index position `self`) from its row, shifting the rest left.
void drop_position(SearchResult& r, std::size_t q, std::int64_t self) {
  std::int64_t* p = r.positions.data() + q * r.k;
  float* d = r.distances.data() + q * r.k;
  for (std::size_t j = 0; j < r.k; ++j) {
    if (p[j] != self) continue;
    std::copy(p + j + 1, p + r.k, p + j);
    std::copy(d + j + 1, d + r.k, d + j);
    p[r.k - 1] = -1;
    d[r.k - 1] = std::numeric_limits<float>::infinity();
    return;
  }
}

// The first `k` slots of query q of `r`, as a one-query result (what a k-neighbour query sees).
SearchResult first_slots(const SearchResult& r, std::size_t q, std::size_t k) {
  SearchResult one(1, k);
  const std::size_t n = std::min(k, r.k);
  std::copy_n(r.positions.begin() + std::ptrdiff_t(q * r.k), n, one.positions.begin());
  std::copy_n(r.distances.begin() + std::ptrdiff_t(q * r.k), n, one.distances.begin());
  return one;
}

// The queries' classes as positions in result.classes (the index's classes, then the queries' that
// it does not hold, appended there), and which of those are unseen (--unseen-classes).
struct ClassMap {
  std::vector<std::int64_t> of_query_class;  // query class -> position in result.classes
  std::vector<bool> unseen;                  // by position in result.classes
};

ClassMap map_classes(const IndexArtifact& index, const Embeddings& queries, const std::vector<std::string>& unseen,
                     EvalResult& result) {
  ClassMap map;
  result.classes = index.classes;
  result.index_classes = index.classes.size();
  std::unordered_map<std::string, std::int64_t> class_of;
  for (std::size_t c = 0; c < result.classes.size(); ++c) class_of.emplace(result.classes[c], std::int64_t(c));
  map.of_query_class.resize(queries.meta.classes.size());
  for (std::size_t c = 0; c < queries.meta.classes.size(); ++c) {
    auto [it, fresh] = class_of.emplace(queries.meta.classes[c], std::int64_t(result.classes.size()));
    if (fresh) result.classes.push_back(queries.meta.classes[c]);
    map.of_query_class[c] = it->second;
  }
  map.unseen.assign(result.classes.size(), false);
  for (const std::string& name : unseen) {
    const auto it = class_of.find(name);
    if (it == class_of.end()) {
      throw UsageError("'" + name + "' is neither a class of the index nor of the queries", "--unseen-classes");
    }
    map.unseen[std::size_t(it->second)] = true;
  }
  result.split = !unseen.empty();
  return map;
}

// A labelled query: its row, class, R (live items of its class in the index, its own excluded)
// and the index position of its self-match (-1: none).
struct GradedQuery {
  std::size_t row;
  std::int64_t label;
  std::size_t relevant;
  std::int64_t self;
};

struct GradingPlan {
  std::vector<GradedQuery> graded;  // in row order
  std::size_t max_relevant = 0;
  bool any_self = false;
};

// Which rows are graded, with their R and self positions; counts the unlabelled rows and the
// self-matches into `result`. Throws Error naming `source` when no query is labelled.
GradingPlan plan_grading(const IndexArtifact& index, const Embeddings& queries, const ClassMap& classes,
                         const std::string& source, EvalResult& result) {
  std::vector<std::size_t> live_per_class = index.live_per_class();
  live_per_class.resize(result.classes.size(), 0);  // the queries' classes the index lacks: none
  const std::unordered_map<std::string, std::size_t> position_of = index.positions_by_id();
  GradingPlan plan;
  for (std::size_t row = 0; row < queries.count(); ++row) {
    if (queries.labels[row] < 0) {
      ++result.unlabelled;
      continue;
    }
    GradedQuery g{row, classes.of_query_class[std::size_t(queries.labels[row])], 0, -1};
    g.relevant = live_per_class[std::size_t(g.label)];
    const auto self = position_of.find(queries.ids[row]);
    if (self != position_of.end() && !index.is_deleted(self->second)) {
      g.self = std::int64_t(self->second);
      plan.any_self = true;
      ++result.self_matches;
      if (index.labels[self->second] == g.label && g.relevant > 0) --g.relevant;
    }
    plan.max_relevant = std::max(plan.max_relevant, g.relevant);
    plan.graded.push_back(g);
  }
  if (plan.graded.empty())
    throw Error(source, "labels",
                "no query is labelled: there is nothing to grade (for a .npy or HDF5 "
                "written without sim, give the labels with --labels FILE)");
  if (result.self_matches > 0) {
    spdlog::info("{}: {} queries are items of the index too: their self-matches are left out", source,
                 result.self_matches);
  }
  return plan;
}

// Query g's ranking scores, row i of `found` (its self-match dropped from there first): the part
// of grading that reads all of its neighbours (6,000 a query when R is a class), so the queries of
// a chunk are scored on every thread (score_queries); the rest is light and in query order.
QueryScores rank_query(const IndexArtifact& index, const GradedQuery& g, SearchResult& found, std::size_t i,
                       std::size_t k, std::vector<std::int64_t>& labels) {
  if (g.self >= 0) drop_position(found, i, g.self);
  if (g.relevant == 0) return {};
  const std::size_t count = found.found(i);
  labels.resize(count);
  for (std::size_t j = 0; j < count; ++j) labels[j] = index.labels[std::size_t(found.position(i, j))];
  return score_query(labels.data(), count, g.label, g.relevant, k);
}

std::vector<QueryScores> score_queries(const IndexArtifact& index, const GradedQuery* graded, std::size_t n,
                                       SearchResult& found, std::size_t k, unsigned threads) {
  std::vector<QueryScores> scores(n);
  parallel_for(n, threads, [&](std::size_t begin, std::size_t end) {
    std::vector<std::int64_t> labels;
    for (std::size_t i = begin; i < end; ++i) scores[i] = rank_query(index, graded[i], found, i, k, labels);
  });
  return scores;
}

// Grades query g, row i of `found` (ranked by score_queries): its ranking scores into its groups,
// its match decision, its neighbours' distances by whether they share its class, and it as a
// report example while there is room.
void grade_query(const IndexArtifact& index, const Matcher& matcher, const GradedQuery& g, bool is_unseen,
                 const QueryScores& scores, const SearchResult& found, std::size_t i, const float* query,
                 const EvalOptions& options, EvalResult& result) {
  const std::size_t count = found.found(i);
  GroupScores* groups[] = {&result.all, result.split ? (is_unseen ? &result.unseen : &result.seen) : nullptr};
  for (GroupScores* group : groups) {
    if (group == nullptr) continue;
    ++group->queries;
    if (g.relevant == 0) {
      ++group->no_relevant;
    } else {
      group->scores.add(scores);
    }
  }

  const SearchResult top = first_slots(found, i, options.k);
  const Decision d = matcher.decide(top, 0, query);
  QueryRecord record;
  record.row = g.row;
  record.label = g.label;
  record.matched = d.has_neighbour ? d.label : -1;
  record.distance = d.has_neighbour ? d.distance : std::numeric_limits<float>::infinity();
  record.unseen = is_unseen;
  result.records.push_back(record);
  for (GroupScores* group : groups) {
    if (group != nullptr && record.matched == g.label) ++group->matched;
  }

  for (std::size_t j = 0; j < std::min(options.k, count); ++j) {
    const std::int64_t label = index.labels[std::size_t(found.position(i, j))];
    (label == g.label ? result.matching_distances : result.non_matching_distances).push_back(found.distance(i, j));
  }
  if (result.examples.size() < options.examples) {
    ExampleQuery e;
    e.row = g.row;
    for (std::size_t j = 0; j < std::min(options.k, count); ++j) {
      e.positions.push_back(std::size_t(found.position(i, j)));
      e.distances.push_back(found.distance(i, j));
    }
    result.examples.push_back(std::move(e));
  }
}

}  // namespace

EvalResult evaluate(const IndexArtifact& index, const Embeddings& queries, const std::string& source,
                    const EvalOptions& options) {
  check_queries(index, queries.meta, source, options.force);
  EvalResult result;
  result.k = options.k;
  result.match = options.match;
  result.queries = queries.count();
  const ClassMap classes = map_classes(index, queries, options.unseen_classes, result);
  if (!options.few_shot.shots.empty()) {  // first: its usage errors come before the long part
    result.few_shot =
        evaluate_few_shot(index, queries, options.unseen_classes, options.k, options.few_shot, options.threads);
  }
  const GradingPlan plan = plan_grading(index, queries, classes, source, result);
  const Matcher matcher(index, options.match, std::nullopt);  // every threshold is swept below
  const std::size_t slots = std::max(options.k, plan.max_relevant) + (plan.any_self ? 1 : 0);
  result.searched_slots = slots;
  const std::size_t chunk = std::max<std::size_t>(1, std::min<std::size_t>(1024, kSlotsPerChunk / slots));
  SearchParams params{std::max(options.ef, slots), options.threads};
  if (index.type == IndexType::Exact) params.ef = 0;

  std::vector<float> block;
  Progress progress("evaluating", plan.graded.size(), "queries");
  for (std::size_t first = 0; first < plan.graded.size(); first += chunk) {
    const std::size_t n = std::min(chunk, plan.graded.size() - first);
    block.resize(n * queries.dim());
    for (std::size_t i = 0; i < n; ++i) {
      std::copy_n(queries.row(plan.graded[first + i].row), queries.dim(), block.data() + i * queries.dim());
    }
    const auto start = std::chrono::steady_clock::now();
    SearchResult found = index.index->search(block.data(), n, slots, params);
    result.search_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::vector<QueryScores> scores =
        score_queries(index, plan.graded.data() + first, n, found, options.k, options.threads);
    for (std::size_t i = 0; i < n; ++i) {
      const GradedQuery& g = plan.graded[first + i];
      grade_query(index, matcher, g, classes.unseen[std::size_t(g.label)], scores[i], found, i,
                  block.data() + i * queries.dim(), options, result);
    }
    progress.add(n);
  }
  progress.finish();

  std::vector<MatchOutcome> outcomes;
  outcomes.reserve(result.records.size());
  for (const QueryRecord& r : result.records) outcomes.push_back({r.distance, r.matched >= 0 && r.matched == r.label});
  result.curve = sweep_thresholds(outcomes);
  result.thresholds = calibrate(result.curve, options.target_precisions);
  return result;
}

// Queries searched against the index per call: bounds the block of query vectors copied out.
constexpr std::size_t kSelfSearchChunk = 1024;

SearchResult search_leaving_out_self(const IndexArtifact& index, const Embeddings& queries,
                                     const std::vector<std::size_t>& rows, std::size_t k, unsigned threads) {
  const std::unordered_map<std::string, std::size_t> position_of = index.positions_by_id();
  std::vector<std::int64_t> self(rows.size(), -1);
  bool any_self = false;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto it = position_of.find(queries.ids[rows[i]]);
    if (it != position_of.end() && !index.is_deleted(it->second)) {
      self[i] = std::int64_t(it->second);
      any_self = true;
    }
  }
  const std::size_t slots = k + (any_self ? 1 : 0);
  SearchParams params{std::max(index.hnsw.ef, slots), threads};
  if (index.type == IndexType::Exact) params.ef = 0;
  SearchResult out(rows.size(), k);
  std::vector<float> block;
  for (std::size_t first = 0; first < rows.size(); first += kSelfSearchChunk) {
    const std::size_t n = std::min(kSelfSearchChunk, rows.size() - first);
    block.resize(n * queries.dim());
    for (std::size_t i = 0; i < n; ++i)
      std::copy_n(queries.row(rows[first + i]), queries.dim(), &block[i * queries.dim()]);
    const SearchResult found = index.index->search(block.data(), n, slots, params);
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t out_j = (first + i) * k, end = out_j + k;
      for (std::size_t j = 0; j < found.found(i) && out_j < end; ++j) {
        if (found.position(i, j) == self[first + i]) continue;
        out.positions[out_j] = found.position(i, j);
        out.distances[out_j++] = found.distance(i, j);
      }
    }
  }
  return out;
}

}  // namespace sim
