#include "eval/few_shot.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "base/error.hpp"
#include "base/utf8.hpp"
#include "search/exact_index.hpp"
#include "search/prototypes.hpp"

namespace sim {
namespace {

constexpr MatchRule kRules[] = {MatchRule::Nearest, MatchRule::Majority, MatchRule::Centroid};
constexpr std::size_t kRuleCount = 3;

// Queries searched against the index per step.
constexpr std::size_t kChunk = 1024;

// The classes of the evaluation: the index's, then the unseen ones it does not list; which are
// seen (live items in the index) and unseen; and each query row's class among them (-1: neither,
// not graded).
struct FewShotClasses {
  std::vector<std::string> names;
  std::vector<bool> seen, unseen;
  std::vector<std::int64_t> of_row;
  std::vector<std::vector<std::size_t>> unseen_rows;  // per unseen class (in option order): its rows
};

FewShotClasses map_few_shot_classes(const IndexArtifact& index, const Embeddings& queries,
                                    const std::vector<std::string>& unseen_classes) {
  FewShotClasses c;
  c.names = index.classes;
  const std::vector<std::size_t> live = index.live_per_class();
  std::unordered_map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < c.names.size(); ++i) position.emplace(c.names[i], i);
  c.seen.assign(c.names.size(), false);
  for (std::size_t i = 0; i < live.size(); ++i) c.seen[i] = live[i] > 0;
  std::vector<std::size_t> unseen_positions;
  for (const std::string& name : unseen_classes) {
    if (std::find(queries.meta.classes.begin(), queries.meta.classes.end(), name) == queries.meta.classes.end()) {
      throw UsageError(
          "'" + to_valid_utf8(name) + "' is not a class of the queries: --shots draws its examples from them",
          "--unseen-classes");
    }
    auto [at, fresh] = position.emplace(name, c.names.size());
    if (fresh) {
      c.names.push_back(name);
      c.seen.push_back(false);
    } else if (c.seen[at->second]) {
      throw Error(index.path, "labels",
                  "holds " + std::to_string(live[at->second]) + " live items of '" + to_valid_utf8(name) +
                      "', one of --unseen-classes: --shots onboards them from their examples alone (evaluate the "
                      "index from before they were added)");
    }
    unseen_positions.push_back(at->second);
  }
  c.unseen.assign(c.names.size(), false);
  for (std::size_t u : unseen_positions) c.unseen[u] = true;
  c.unseen_rows.resize(unseen_positions.size());
  c.of_row.assign(queries.count(), -1);
  for (std::size_t row = 0; row < queries.count(); ++row) {
    if (queries.labels[row] < 0) continue;
    const auto it = position.find(queries.meta.classes[std::size_t(queries.labels[row])]);
    if (it == position.end() || (!c.seen[it->second] && !c.unseen[it->second])) continue;
    c.of_row[row] = std::int64_t(it->second);
    if (c.unseen[it->second]) {
      const auto u = std::size_t(std::find(unseen_positions.begin(), unseen_positions.end(), it->second) -
                                 unseen_positions.begin());
      c.unseen_rows[u].push_back(row);
    }
  }
  return c;
}

// One draw: each unseen class's examples (`shots` of its rows, chosen by rng) beside the index.
// Adds each rule's right answers among the unseen and the seen queries to right[rule][0 / 1];
// returns the examples' ids.
std::vector<std::string> run_draw(const IndexArtifact& index, const Embeddings& queries, const FewShotClasses& classes,
                                  const std::vector<std::size_t>& graded, const SearchResult& near, std::size_t shots,
                                  std::mt19937_64& rng, std::size_t right[kRuleCount][2], std::size_t counted[2]) {
  const std::size_t dim = queries.dim();
  std::vector<float> example_vectors;
  std::vector<std::int64_t> example_labels;
  std::vector<bool> is_example(queries.count(), false);
  std::vector<std::string> ids;
  for (const std::vector<std::size_t>& rows : classes.unseen_rows) {
    std::vector<std::size_t> drawn = rows;
    std::shuffle(drawn.begin(), drawn.end(), rng);
    for (std::size_t i = 0; i < shots; ++i) {
      is_example[drawn[i]] = true;
      ids.push_back(queries.ids[drawn[i]]);
      example_vectors.insert(example_vectors.end(), queries.row(drawn[i]), queries.row(drawn[i]) + dim);
      example_labels.push_back(classes.of_row[drawn[i]]);
    }
  }
  ExactIndex examples(index.distance, dim);
  examples.add(example_vectors.data(), example_labels.size(), 1);
  // The prototypes: the index's classes, and the unseen ones from their examples as stored.
  ClassPrototypes sums(classes.names.size(), dim);
  std::vector<std::int64_t> same(index.classes.size());
  for (std::size_t c = 0; c < same.size(); ++c) same[c] = std::int64_t(c);
  sums.add(index.prototypes, same);
  for (std::size_t e = 0; e < example_labels.size(); ++e) {
    sums.add(std::size_t(example_labels[e]), examples.vectors().data() + e * dim);
  }
  const PrototypeIndex prototypes = prototype_index(sums, index.distance);

  std::vector<std::size_t> rows;  // graded positions (into `graded`) this draw scores
  for (std::size_t g = 0; g < graded.size(); ++g) {
    if (!is_example[graded[g]]) rows.push_back(g);
  }
  // The examples take the positions after the index's, as sim-index add would give them: merged
  // with merge_topk, the index's neighbours come first on a tie.
  const std::size_t k = near.k;
  const auto added_at = std::int64_t(index.size());
  std::vector<float> block;
  std::vector<std::int64_t> labels(k);
  for (std::size_t first = 0; first < rows.size(); first += kChunk) {
    const std::size_t n = std::min(kChunk, rows.size() - first);
    block.resize(n * dim);
    SearchResult from_index(n, k);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t g = rows[first + i];
      std::copy_n(queries.row(graded[g]), dim, &block[i * dim]);
      std::copy_n(&near.positions[g * k], k, &from_index.positions[i * k]);
      std::copy_n(&near.distances[g * k], k, &from_index.distances[i * k]);
    }
    const SearchResult from_examples = examples.search(block.data(), n, k, SearchParams{0, 1});
    const SearchResult merged = merge_topk({&from_index, &from_examples}, {0, added_at}, k);
    const SearchResult to_prototype = prototypes.index->search(block.data(), n, 1, SearchParams{0, 1});
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t truth = classes.of_row[graded[rows[first + i]]];
      const std::size_t found = merged.found(i);
      for (std::size_t j = 0; j < found; ++j) {
        const std::int64_t p = merged.position(i, j);
        labels[j] = p < added_at ? index.labels[std::size_t(p)] : example_labels[std::size_t(p - added_at)];
      }
      const std::size_t group = classes.unseen[std::size_t(truth)] ? 0 : 1;
      ++counted[group];
      for (std::size_t r = 0; r < kRuleCount; ++r) {
        std::int64_t decided = -1;
        if (kRules[r] == MatchRule::Centroid) {
          decided = prototypes.class_of_row[std::size_t(to_prototype.position(i, 0))];
        } else {
          decided = decide_by_neighbours(labels.data(), &merged.distances[i * k], found, kRules[r]).label;
        }
        if (decided == truth) ++right[r][group];
      }
    }
  }
  return ids;
}

}  // namespace

FewShotResult evaluate_few_shot(const IndexArtifact& index, const Embeddings& queries,
                                const std::vector<std::string>& unseen_classes, std::size_t k,
                                const FewShotOptions& options, unsigned threads) {
  if (unseen_classes.empty()) {
    throw UsageError("--shots onboards the classes named by --unseen-classes: name them", "--shots");
  }
  if (options.draws == 0) throw UsageError("at least one draw", "--draws");
  if (index.prototypes.dim != index.dim) {
    throw FormatError(index.path, "prototypes", "missing: --shots needs the index's vectors or their class sums");
  }
  if (options.shots.empty()) throw std::invalid_argument("evaluate_few_shot: no shot count");
  for (const std::size_t shots : options.shots) {
    if (shots == 0) throw UsageError("a shot count is at least 1", "--shots");
  }
  const FewShotClasses classes = map_few_shot_classes(index, queries, unseen_classes);
  const std::size_t most = *std::max_element(options.shots.begin(), options.shots.end());
  for (std::size_t u = 0; u < unseen_classes.size(); ++u) {
    if (classes.unseen_rows[u].size() <= most) {
      throw UsageError("'" + to_valid_utf8(unseen_classes[u]) + "' has " +
                           std::to_string(classes.unseen_rows[u].size()) + " queries: " + std::to_string(most) +
                           " examples would leave none to grade",
                       "--shots");
    }
  }
  std::vector<std::size_t> graded;
  FewShotResult result;
  for (std::size_t row = 0; row < queries.count(); ++row) {
    if (classes.of_row[row] < 0) continue;
    graded.push_back(row);
    (classes.unseen[std::size_t(classes.of_row[row])] ? result.unseen_queries : result.seen_queries) += 1;
  }
  result.unseen_classes = unseen_classes;
  result.draws = options.draws;
  result.seed = options.seed;
  result.k = k;
  const SearchResult near = search_leaving_out_self(index, queries, graded, k, threads);

  for (const std::size_t shots : options.shots) {
    std::vector<double> share[kRuleCount][2];
    result.shots.push_back(shots);
    result.examples.emplace_back();
    for (std::size_t draw = 0; draw < options.draws; ++draw) {
      std::seed_seq seq{std::uint64_t(options.seed), std::uint64_t(shots), std::uint64_t(draw)};
      std::mt19937_64 rng(seq);
      std::size_t right[kRuleCount][2] = {}, counted[2] = {};
      result.examples.back().push_back(run_draw(index, queries, classes, graded, near, shots, rng, right, counted));
      for (std::size_t r = 0; r < kRuleCount; ++r) {
        for (std::size_t group = 0; group < 2; ++group) {
          share[r][group].push_back(counted[group] == 0 ? 0.0 : double(right[r][group]) / double(counted[group]));
        }
      }
    }
    for (std::size_t r = 0; r < kRuleCount; ++r) {
      FewShotRow row;
      row.shots = shots;
      row.rule = kRules[r];
      FewShotFigure* figures[2] = {&row.unseen, &row.seen};
      for (std::size_t group = 0; group < 2; ++group) {
        const std::vector<double>& v = share[r][group];
        figures[group]->draws = v;
        double sum = 0;
        for (double x : v) sum += x;
        figures[group]->mean = sum / double(v.size());
        figures[group]->min = *std::min_element(v.begin(), v.end());
        figures[group]->max = *std::max_element(v.begin(), v.end());
      }
      result.rows.push_back(row);
    }
    spdlog::debug("--shots {}: {} draws evaluated", shots, options.draws);
  }
  return result;
}

}  // namespace sim
