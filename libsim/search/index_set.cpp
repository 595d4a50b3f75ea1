#include "search/index_set.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "base/error.hpp"
#include "base/worker_pool.hpp"

namespace sim {
namespace {

[[noreturn]] void read_only() {
  throw Error("", "", "an index opened from several files is read-only: join them with sim-index merge to change it");
}

bool same_calibration(const Calibration& a, const Calibration& b) {
  return a.names == b.names && a.thresholds == b.thresholds && a.default_name == b.default_name && a.match == b.match;
}

// Refuses shard `s` unless it agrees with the first on what makes distances comparable.
void check_compatible(const IndexArtifact& first, const IndexArtifact& s) {
  const std::string against = " but the first index '" + first.path + "' ";
  if (s.distance != first.distance) {
    throw FormatError(s.path, "distance",
                      "is " + std::string(to_string(s.distance)) + against + "uses " +
                          std::string(to_string(first.distance)) + ": shards must share one distance");
  }
  if (s.dim != first.dim) {
    throw FormatError(s.path, "dim",
                      "is " + std::to_string(s.dim) + against + "has " + std::to_string(first.dim) +
                          ": shards must share one dimension");
  }
  if (s.model_fingerprint != first.model_fingerprint) {
    throw FormatError(s.path, "model_fingerprint",
                      "is '" + s.model_fingerprint + "'" + against + "holds embeddings of model '" +
                          first.model_fingerprint + "': shards must come from one model");
  }
}

}  // namespace

ShardedIndex::ShardedIndex(std::vector<std::unique_ptr<Index>> shards)
    : Index(shards.empty() ? Distance::Cosine : shards.front()->distance(), shards.empty() ? 1 : shards.front()->dim()),
      shards_(std::move(shards)) {
  if (shards_.empty()) throw std::invalid_argument("ShardedIndex: no shards");
  std::vector<std::uint8_t> deleted;
  for (const auto& s : shards_) {
    if (s->distance() != distance_ || s->dim() != dim_) {
      throw std::invalid_argument("ShardedIndex: shards of different distance or dimension");
    }
    if (s->type() == IndexType::Hnsw) type_ = IndexType::Hnsw;
    offsets_.push_back(std::int64_t(deleted.size()));
    for (std::size_t p = 0; p < s->size(); ++p) deleted.push_back(s->is_deleted(p) ? 1 : 0);
  }
  reset_positions(std::move(deleted));
}

void ShardedIndex::add(const float*, std::size_t, unsigned, const AddHints&) { read_only(); }
void ShardedIndex::replace(std::size_t, const float*) { read_only(); }
void ShardedIndex::mark_deleted(std::size_t) { read_only(); }

ShardedIndex::~ShardedIndex() = default;

SearchResult ShardedIndex::search(const float* queries, std::size_t nq, std::size_t k,
                                  const SearchParams& params) const {
  // HNSW shards are searched side by side on the pool's threads, the threads shared out among
  // them (each shard's queries then spread over its share): one query waits for the slowest shard,
  // not for all of them in turn. Exact shards are searched one after another with every thread,
  // since each runs its own BLAS and OpenMP team; so is everything while another caller has the
  // pool. The merge is the same either way.
  const bool all_hnsw = std::all_of(shards_.begin(), shards_.end(),
                                    [](const std::unique_ptr<Index>& s) { return s->type() == IndexType::Hnsw; });
  const unsigned threads = std::max(1u, params.threads);
  const unsigned across = all_hnsw ? unsigned(std::min<std::size_t>(threads, shards_.size())) : 1u;
  std::vector<SearchResult> parts(shards_.size());
  std::unique_lock<std::mutex> pool_lock(pool_mutex_, std::try_to_lock);
  if (across > 1 && pool_lock.owns_lock()) {
    if (!pool_ || pool_->threads() != across) pool_ = std::make_unique<WorkerPool>(across);
    SearchParams each = params;
    each.threads = threads / across;
    pool_->run(shards_.size(), [&](std::size_t s) { parts[s] = shards_[s]->search(queries, nq, k, each); });
  } else {
    for (std::size_t s = 0; s < shards_.size(); ++s) parts[s] = shards_[s]->search(queries, nq, k, params);
  }
  std::vector<const SearchResult*> views;
  for (const SearchResult& part : parts) views.push_back(&part);
  return merge_topk(views, offsets_, k);
}

void ShardedIndex::copy_vectors(std::size_t first, std::size_t n, float* out) const {
  require_range(first, n, "ShardedIndex::copy_vectors");
  for (std::size_t s = 0; s < shards_.size() && n > 0; ++s) {
    const std::size_t begin = std::size_t(offsets_[s]), end = begin + shards_[s]->size();
    if (first >= end) continue;
    const std::size_t take = std::min(n, end - first);
    shards_[s]->copy_vectors(first - begin, take, out);
    out += take * dim_;
    first += take;
    n -= take;
  }
}

IndexArtifact open_index_set(const std::vector<std::string>& paths, bool with_vectors, GraphLoad graph) {
  if (paths.empty()) throw std::invalid_argument("open_index_set: no paths");
  if (paths.size() == 1) return load_index(paths.front(), with_vectors, graph);
  std::vector<IndexArtifact> shards;
  for (const std::string& path : paths) {
    shards.push_back(load_index(path, with_vectors, graph));
    check_compatible(shards.front(), shards.back());  // before the next one is read
  }
  return join_indexes(std::move(shards), with_vectors);
}

std::vector<NamedFile> index_set_files(const std::vector<std::string>& paths, const std::string& role) {
  std::vector<NamedFile> files;
  for (const std::string& path : paths) {
    for (NamedFile& f : index_files(path, role)) files.push_back(std::move(f));
  }
  return files;
}

IndexArtifact join_indexes(std::vector<IndexArtifact> shards, bool with_vectors) {
  if (shards.empty()) throw std::invalid_argument("join_indexes: no shards");
  std::vector<std::string> paths;
  for (const IndexArtifact& s : shards) {
    check_compatible(shards.front(), s);
    paths.push_back(s.path);
  }
  IndexArtifact u;
  const IndexArtifact& first = shards.front();
  u.distance = first.distance;
  u.dim = first.dim;
  u.hnsw = first.hnsw;
  u.model_fingerprint = first.model_fingerprint;
  u.classes = first.classes;
  u.calibration = first.calibration;
  u.recall = first.recall;              // per shard; sim-index merge measures the merged index again
  u.quantization = first.quantization;  // what a merge keeps when every shard agrees
  u.type = IndexType::Exact;
  for (std::size_t s = 0; s < paths.size(); ++s) u.path += (s == 0 ? "" : " + ") + paths[s];

  const bool any_payloads = std::any_of(shards.begin(), shards.end(), [](auto& s) { return !s.payloads.empty(); });
  const bool any_data = std::any_of(shards.begin(), shards.end(), [](auto& s) { return !s.data.empty(); });
  std::unordered_map<std::string, std::size_t> shard_of_id;
  std::vector<std::unique_ptr<Index>> indexes;
  std::vector<std::vector<std::int64_t>> relabels;  // per shard: its classes' positions in u.classes
  for (std::size_t s = 0; s < shards.size(); ++s) {
    IndexArtifact& a = shards[s];
    if (a.type == IndexType::Hnsw) u.type = IndexType::Hnsw;
    if (a.quantization != u.quantization) u.quantization = Quantization::None;
    u.history.insert(u.history.end(), a.history.begin(), a.history.end());  // what sim-index merge keeps
    if (!same_calibration(a.calibration, u.calibration) && !u.calibration.empty()) {
      spdlog::warn("{}: its calibration differs from '{}''s: the union of the indexes has none", a.path, first.path);
      u.calibration = {};
    }
    std::vector<std::int64_t> relabel(a.classes.size());
    for (std::size_t c = 0; c < a.classes.size(); ++c) {
      auto at = std::find(u.classes.begin(), u.classes.end(), a.classes[c]);
      if (at == u.classes.end()) at = u.classes.insert(u.classes.end(), a.classes[c]);
      relabel[c] = at - u.classes.begin();
    }
    relabels.push_back(relabel);
    for (std::size_t p = 0; p < a.size(); ++p) {
      // Only live items must be unique: a deleted one is not in the index, so its twin may be live
      // in another shard (positions_by_id then finds the live one).
      const bool live = !a.is_deleted(p);
      const auto [it, fresh] = live ? shard_of_id.emplace(a.ids[p], s) : std::make_pair(shard_of_id.end(), true);
      if (!fresh) {
        throw FormatError(a.path, "ids",
                          "'" + a.ids[p] + "' is also in '" + paths[it->second] +
                              "': an id may be in one shard only (remove it from one with sim-index delete)");
      }
      u.ids.push_back(a.ids[p]);
      u.labels.push_back(a.labels[p] < 0 ? -1 : relabel[std::size_t(a.labels[p])]);
      u.deleted.push_back(a.is_deleted(p) ? 1 : 0);
      if (any_payloads) u.payloads.push_back(p < a.payloads.size() ? a.payloads[p] : std::string());
      if (any_data) u.data.push_back(p < a.data.size() ? std::move(a.data[p]) : std::string());
    }
    if (with_vectors) indexes.push_back(std::move(a.index));
  }
  // The union's prototypes are the sums of the shards' (none if a shard has none: an older file
  // opened without its vectors).
  if (std::all_of(shards.begin(), shards.end(), [](auto& s) { return s.prototypes.dim == s.dim; })) {
    u.prototypes = ClassPrototypes(u.classes.size(), u.dim);
    for (std::size_t s = 0; s < shards.size(); ++s) u.prototypes.add(shards[s].prototypes, relabels[s]);
  }
  if (with_vectors) u.index = std::make_unique<ShardedIndex>(std::move(indexes));
  spdlog::debug("{} indexes opened as one: {} items, {} classes", paths.size(), u.size(), u.classes.size());
  return u;
}

}  // namespace sim
