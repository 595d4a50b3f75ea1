#include "search/distributed_index.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <utility>

#include "base/error.hpp"
#include "search/index_set.hpp"

namespace sim {
namespace {

// What rank 0 broadcasts, in its first byte.
constexpr char kOffsets = 'O';  // where each path's positions start in the union
constexpr char kSearch = 'S';   // a block of queries
constexpr char kDone = 'D';     // the other ranks may exit
constexpr char kFailed = 'F';   // rank 0 failed: the message follows
// What every rank gathers, in its first byte.
constexpr char kResult = 'R';  // shard metadata, or a search's answers
constexpr char kError = 'E';   // this rank failed: file, field and detail follow

// --- Bytes on the wire ----------------------------------------------------------------------------
// Little-endian fixed-size numbers and length-prefixed strings and arrays; every rank runs the same
// build of the same programs, so no versioning.

class Writer {
 public:
  explicit Writer(char kind) { out_.push_back(kind); }
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void str(const std::string& s) {
    u64(s.size());
    out_ += s;
  }
  void strs(const std::vector<std::string>& v) {
    u64(v.size());
    for (const std::string& s : v) str(s);
  }
  template <typename T>
  void array(const std::vector<T>& v) {
    u64(v.size());
    raw(v.data(), v.size() * sizeof(T));
  }
  void raw(const void* p, std::size_t n) {
    if (n > 0) out_.append(static_cast<const char*>(p), n);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(const std::string& bytes, int rank) : bytes_(bytes), rank_(rank) {}
  char kind() { return take(1)[0]; }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
  std::string str() {
    const std::uint64_t n = u64();
    return std::string(take(n), n);
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v(u64());
    for (std::string& s : v) s = str();
    return v;
  }
  template <typename T>
  std::vector<T> array() {
    std::vector<T> v(u64());
    const char* bytes = take(v.size() * sizeof(T));
    if (!v.empty()) std::memcpy(v.data(), bytes, v.size() * sizeof(T));  // (an empty vector's data() may be null)
    return v;
  }
  const char* take(std::uint64_t n) {
    if (n > bytes_.size() - at_) {
      throw FormatError("rank " + std::to_string(rank_), "",
                        "sent a truncated message (" + std::to_string(n) + " bytes past its end): is it the same sim?");
    }
    const char* p = bytes_.data() + at_;
    at_ += n;
    return p;
  }

 private:
  const std::string& bytes_;
  int rank_;
  std::size_t at_ = 0;
};

std::string error_message(const std::exception& e) {
  Writer w(kError);
  const auto* error = dynamic_cast<const Error*>(&e);
  w.str(error != nullptr ? error->file() : "");
  w.str(error != nullptr ? error->field() : "");
  w.str(error != nullptr ? error->detail() : e.what());
  w.u64(std::uint64_t(error != nullptr ? error->exit_code() : kExitRuntime));
  return w.take();
}

// Rethrows a rank's kError message as the error it was (usage errors stay usage errors).
[[noreturn]] void rethrow(Reader& r, int rank) {
  const std::string file = r.str(), field = r.str(), detail = r.str();
  const auto code = int(r.u64());
  const std::string where = detail + " (on rank " + std::to_string(rank) + ")";
  if (code == kExitUsage) throw UsageError(where, field);
  throw IoError(file, field, where);
}

// An index's metadata, what rank 0 needs of a shard to join and to print its items.
void write_metadata(Writer& w, const IndexArtifact& a) {
  w.str(a.path);
  w.u64(a.type == IndexType::Hnsw ? 1 : 0);
  w.str(std::string(to_string(a.distance)));
  w.u64(a.dim);
  w.u64(a.hnsw.m);
  w.u64(a.hnsw.ef_construction);
  w.u64(a.hnsw.ef);
  w.str(a.model_fingerprint);
  w.strs(a.ids);
  w.array(a.labels);
  w.strs(a.classes);
  w.strs(a.payloads);
  std::vector<std::uint8_t> deleted(a.size());
  for (std::size_t p = 0; p < a.size(); ++p) deleted[p] = a.is_deleted(p) ? 1 : 0;
  w.array(deleted);
  w.strs(a.calibration.names);
  w.array(a.calibration.thresholds);
  w.str(a.calibration.default_name);
  w.str(a.calibration.source);
  w.str(a.calibration.match);
  w.u64(a.prototypes.dim);
  w.array(a.prototypes.sums);
  w.array(a.prototypes.counts);
}

IndexArtifact read_metadata(Reader& r) {
  IndexArtifact a;
  a.path = r.str();
  a.type = r.u64() == 1 ? IndexType::Hnsw : IndexType::Exact;
  a.distance = parse_distance(r.str());
  a.dim = r.u64();
  a.hnsw.m = r.u64();
  a.hnsw.ef_construction = r.u64();
  a.hnsw.ef = r.u64();
  a.model_fingerprint = r.str();
  a.ids = r.strs();
  a.labels = r.array<std::int64_t>();
  a.classes = r.strs();
  a.payloads = r.strs();
  a.deleted = r.array<std::uint8_t>();
  a.calibration.names = r.strs();
  a.calibration.thresholds = r.array<double>();
  a.calibration.default_name = r.str();
  a.calibration.source = r.str();
  a.calibration.match = r.str();
  a.prototypes.dim = r.u64();
  a.prototypes.sums = r.array<double>();
  a.prototypes.counts = r.array<std::int64_t>();
  if (a.prototypes.sums.size() != a.prototypes.counts.size() * a.prototypes.dim ||
      (a.prototypes.dim != 0 && a.prototypes.counts.size() != a.classes.size())) {
    throw FormatError(a.path, "prototypes", "a rank sent them in another shape than its classes");
  }
  return a;
}

std::string result_message(const SearchResult& found) {
  Writer w(kResult);
  w.u64(found.nq);
  w.u64(found.k);
  w.array(found.positions);
  w.array(found.distances);
  return w.take();
}

}  // namespace

// This rank's shards: their indexes searched as one, and where their positions go in the union.
struct DistributedSearch::Local {
  std::vector<std::size_t> paths;            // indexes into the job's path list
  std::vector<IndexArtifact> shards;         // loaded, vectors included
  std::vector<std::int64_t> local_offsets;   // where each shard starts in `index`
  std::vector<std::int64_t> global_offsets;  // where it starts in the union (from rank 0)
  std::unique_ptr<Index> index;              // the shards, one after another

  SearchResult search(const float* queries, std::size_t nq, std::size_t k, const SearchParams& params) const {
    SearchResult found = index->search(queries, nq, k, params);
    for (std::int64_t& p : found.positions) {
      if (p < 0) continue;
      const auto shard =
          std::size_t(std::upper_bound(local_offsets.begin(), local_offsets.end(), p) - local_offsets.begin() - 1);
      p = global_offsets[shard] + (p - local_offsets[shard]);
    }
    return found;
  }
};

namespace {

// Rank 0's view of the union: a search is a collective of every rank.
class RankSearchIndex final : public Index {
 public:
  using LocalSearch = std::function<SearchResult(const float*, std::size_t, std::size_t, const SearchParams&)>;
  RankSearchIndex(const IndexArtifact& u, RankExchange& ranks, LocalSearch local)
      : Index(u.distance, u.dim), ranks_(ranks), local_(std::move(local)), type_(u.type) {
    reset_positions(u.deleted);
  }
  IndexType type() const noexcept override { return type_; }
  void add(const float*, std::size_t, unsigned, const AddHints&) override { read_only(); }
  void replace(std::size_t, const float*) override { read_only(); }
  void mark_deleted(std::size_t) override { read_only(); }
  void copy_vectors(std::size_t, std::size_t, float*) const override { read_only(); }

  SearchResult search(const float* queries, std::size_t nq, std::size_t k, const SearchParams& params) const override {
    Writer w(kSearch);
    w.u64(nq);
    w.u64(k);
    w.u64(params.ef);
    w.u64(params.threads);
    w.raw(queries, nq * dim_ * sizeof(float));
    ranks_.broadcast(w.take());
    std::string mine;
    try {
      mine = result_message(local_(queries, nq, k, params));
    } catch (const std::exception& e) {
      mine = error_message(e);  // still gathered, so that no rank is left waiting
    }
    const std::vector<std::string> all = ranks_.all_gather(mine);
    std::vector<SearchResult> parts;
    for (std::size_t r = 0; r < all.size(); ++r) {
      Reader in(all[r], int(r));
      if (in.kind() == kError) rethrow(in, int(r));
      SearchResult part;
      part.nq = in.u64();
      part.k = in.u64();
      part.positions = in.array<std::int64_t>();
      part.distances = in.array<float>();
      if (part.nq != nq || part.k != k || part.positions.size() != nq * k || part.distances.size() != nq * k) {
        throw FormatError("rank " + std::to_string(r), "", "answered another search than the one asked");
      }
      parts.push_back(std::move(part));
    }
    std::vector<const SearchResult*> views;
    for (const SearchResult& p : parts) views.push_back(&p);
    return merge_topk(views, std::vector<std::int64_t>(parts.size(), 0), k);  // positions are the union's already
  }

 private:
  [[noreturn]] static void read_only() {
    throw Error("", "", "an index served by several ranks is read-only and keeps its vectors on their ranks");
  }
  RankExchange& ranks_;
  LocalSearch local_;
  IndexType type_;
};

}  // namespace

DistributedSearch::DistributedSearch(RankExchange& ranks, const std::vector<std::string>& paths, GraphLoad graph)
    : ranks_(ranks), local_(std::make_unique<Local>()) {
  const auto world = std::size_t(ranks.size());
  // Every rank must have been given the same index list (path i goes to rank i mod WORLD_SIZE):
  // compared first, by every rank, so all of them stop with the same message.
  std::string list;
  for (const std::string& p : paths) list += p + '\n';
  const std::vector<std::string> lists = ranks.all_gather(list);
  for (std::size_t r = 1; r < lists.size(); ++r) {
    if (lists[r] == lists[0]) continue;
    const auto shown = [](std::string l) {
      for (char& c : l) c = c == '\n' ? ' ' : c;
      return l.empty() ? std::string("(none)") : l.substr(0, l.size() - 1);
    };
    throw UsageError("the ranks were given different indexes, so they would not search one union: rank 0 has " +
                     shown(lists[0]) + "; rank " + std::to_string(r) + " has " + shown(lists[r]) +
                     ". Give every rank the same INDEX list, in the same order");
  }
  if (paths.size() < world) {
    throw UsageError(std::to_string(world) + " ranks but " + std::to_string(paths.size()) +
                     " index(es): every rank needs at least one (path i goes to rank i mod WORLD_SIZE)");
  }
  // Load this rank's share; a failure travels to rank 0 instead of leaving the others waiting.
  std::string mine;
  try {
    Writer w(kResult);
    std::vector<std::unique_ptr<Index>> indexes;
    for (std::size_t i = std::size_t(ranks.rank()); i < paths.size(); i += world) {
      local_->paths.push_back(i);
      local_->shards.push_back(load_index(paths[i], true, graph));
    }
    w.u64(local_->shards.size());
    std::int64_t at = 0;
    for (std::size_t j = 0; j < local_->shards.size(); ++j) {
      w.u64(local_->paths[j]);
      write_metadata(w, local_->shards[j]);
      local_->local_offsets.push_back(at);
      at += std::int64_t(local_->shards[j].size());
      indexes.push_back(std::move(local_->shards[j].index));
    }
    local_->index =
        indexes.size() == 1 ? std::move(indexes.front()) : std::make_unique<ShardedIndex>(std::move(indexes));
    mine = w.take();
  } catch (const std::exception& e) {
    mine = error_message(e);
  }
  const std::vector<std::string> all = ranks.all_gather(mine);
  if (!leader()) return;  // serve() hears what rank 0 made of it
  try {
    join(all, paths.size());
  } catch (...) {
    tell_failed();  // the others are waiting in serve(): no destructor runs for this object
    throw;
  }
  spdlog::info("{} indexes on {} ranks, searched as one: {} items", paths.size(), world, union_.size());
}

// Rank 0: every rank's shards' metadata joined in path order, the offsets told to the ranks.
void DistributedSearch::join(const std::vector<std::string>& gathered, std::size_t path_count) {
  std::vector<IndexArtifact> shards(path_count);
  for (std::size_t r = 0; r < gathered.size(); ++r) {
    Reader in(gathered[r], int(r));
    if (in.kind() == kError) rethrow(in, int(r));
    for (std::uint64_t j = 0, n = in.u64(); j < n; ++j) {
      const std::uint64_t i = in.u64();
      if (i >= shards.size()) throw FormatError("rank " + std::to_string(r), "", "named a path the job has not");
      shards[i] = read_metadata(in);
    }
  }
  std::vector<std::int64_t> offsets{0};
  for (const IndexArtifact& s : shards) offsets.push_back(offsets.back() + std::int64_t(s.size()));
  union_ = join_indexes(std::move(shards), false);
  Writer w(kOffsets);
  w.array(offsets);
  ranks_.broadcast(w.take());
  for (std::size_t i : local_->paths) local_->global_offsets.push_back(offsets[i]);
  const Local* local = local_.get();
  union_.index = std::make_unique<RankSearchIndex>(
      union_, ranks_, [local](const float* q, std::size_t nq, std::size_t k, const SearchParams& p) {
        return local->search(q, nq, k, p);
      });
}

void DistributedSearch::tell_failed() noexcept {
  try {
    Writer w(kFailed);
    w.str("rank 0 stopped before the end (its own error says why)");
    ranks_.broadcast(w.take());
  } catch (...) {
    // The other ranks are gone already: nothing to tell.
  }
  finished_ = true;
}

DistributedSearch::~DistributedSearch() {
  if (leader() && !finished_) tell_failed();
}

IndexArtifact& DistributedSearch::artifact() {
  if (!leader()) throw std::logic_error("DistributedSearch::artifact: rank 0 only");
  return union_;
}

void DistributedSearch::finish(int status) {
  if (!leader() || finished_) return;
  ranks_.broadcast(std::string(1, kDone) + char(status));
  finished_ = true;
}

int DistributedSearch::serve() {
  if (leader()) throw std::logic_error("DistributedSearch::serve: not on rank 0");
  std::vector<float> queries;
  for (;;) {
    const std::string message = ranks_.broadcast("");
    Reader in(message, 0);
    switch (in.kind()) {
      case kDone:
        return message.size() > 1 ? int(static_cast<unsigned char>(message[1])) : 0;
      case kFailed:
        throw Error("", "ranks", "rank 0 failed: " + in.str());
      case kOffsets: {
        const std::vector<std::int64_t> offsets = in.array<std::int64_t>();
        for (std::size_t i : local_->paths) local_->global_offsets.push_back(offsets.at(i));
        break;
      }
      case kSearch: {
        if (!local_->index) throw std::logic_error("DistributedSearch::serve: a search without shards");
        const std::size_t nq = in.u64(), k = in.u64(), ef = in.u64();
        const auto threads = unsigned(in.u64());
        queries.resize(nq * local_->index->dim());
        const char* bytes = in.take(queries.size() * sizeof(float));
        if (!queries.empty()) std::memcpy(queries.data(), bytes, queries.size() * sizeof(float));
        std::string answer;
        try {
          answer = result_message(local_->search(queries.data(), nq, k, {ef, threads}));
        } catch (const std::exception& e) {
          answer = error_message(e);
        }
        (void)ranks_.all_gather(answer);
        break;
      }
      default:
        throw FormatError("rank 0", "", "sent a message of an unknown kind: is it the same sim?");
    }
  }
}

}  // namespace sim
