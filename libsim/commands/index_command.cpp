#include "commands/index_command.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <unordered_map>

#include "base/error.hpp"
#include "base/file_io.hpp"
#include "base/progress.hpp"
#include "base/utf8.hpp"
#include "data/dataset.hpp"
#include "data/item_images.hpp"
#include "search/exact_index.hpp"
#include "search/hnsw_index.hpp"
#include "search/recall_tuning.hpp"

namespace sim {
namespace {

std::string shown(const std::string& text) { return "'" + to_valid_utf8(text) + "'"; }

std::string absolute_file(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  char real[PATH_MAX];
  return ::realpath(path.c_str(), real) != nullptr ? std::string(real) : "";
}

// The payload kept for an item: the absolute path of its source file when its id names one (sim-embed
// writes image paths as ids, relative to where it ran), or of its IDX file with the row ("FILE#ROW",
// as sim-embed names IDX items), so that pictures can be found later from anywhere; "" otherwise.
// An id that reads as FILE#ROW of an existing IDX file is taken as such without asking the file
// system about the id itself, and each IDX file is resolved once: a stat of every id and a realpath
// of its IDX file per item were a twentieth of evaluating 10,000 queries against 60,000 items.
class Payloads {
 public:
  std::string of(const std::string& id) {
    if (const std::optional<IdxItemId> item = parse_idx_item_id(id)) {
      auto [at, added] = idx_files_.try_emplace(item->path);
      if (added) at->second = absolute_file(item->path);
      if (!at->second.empty()) return at->second + "#" + std::to_string(item->row);
    }
    return absolute_file(id);
  }

 private:
  std::unordered_map<std::string, std::string> idx_files_;  // as named in ids -> absolute ("" if none)
};

// Stores the picture of each (position, what names it) in a.data; one summary of what was missing.
void store_pictures(IndexArtifact& a, const std::vector<std::pair<std::size_t, std::string>>& refs) {
  ItemImages images;
  Progress progress("storing pictures", refs.size(), "items");
  std::size_t bytes = 0;
  for (const auto& [position, ref] : refs) {
    a.data.at(position) = images.encoded(ref);
    bytes += a.data[position].size();
    progress.add(1);
  }
  progress.finish();
  if (images.missing() > 0) {
    spdlog::warn("{}: {} of {} items have no picture to store", a.path.empty() ? "the index" : a.path, images.missing(),
                 refs.size());
  }
  spdlog::debug("stored {} bytes of pictures for {} items", bytes, refs.size() - images.missing());
}

}  // namespace

IndexArtifact build_index(const Embeddings& e, const std::string& source, const BuildOptions& options) {
  IndexArtifact a;
  a.distance = e.meta.distance;
  a.dim = e.dim();
  a.hnsw = options.hnsw;
  a.type = options.exact ? IndexType::Exact : IndexType::Hnsw;
  a.model_fingerprint = e.meta.model_fingerprint;
  if (a.type == IndexType::Hnsw && !hnsw_can_serve(a.distance)) {
    throw Error(
        source, "distance",
        "is " + std::string(to_string(a.distance)) + ", which HNSW cannot serve: build an exact index (--exact)");
  }
  if (a.type == IndexType::Exact) {
    a.index = std::make_unique<ExactIndex>(a.distance, a.dim);
  } else {
    a.index = std::make_unique<HnswIndex>(a.distance, a.dim, a.hnsw);
  }
  if (options.quantization != Quantization::None) {
    if (a.type != IndexType::Hnsw) throw UsageError("quantises an HNSW graph; an exact index has none", "--quantize");
    a.quantization = options.quantization;
  }
  add_to_index(a, e, source, options);
  if (a.type == IndexType::Hnsw) static_cast<HnswIndex&>(*a.index).set_quantization(a.quantization);
  if (options.target_recall > 0) {
    measure_recall(a, options.ef_given ? 0.0 : options.target_recall, options.seed, options.threads);
  }
  return a;
}

AddReport add_to_index(IndexArtifact& a, const Embeddings& e, const std::string& source, const AddOptions& options) {
  if (!a.index) throw std::logic_error("add_to_index: the index was loaded without its vectors");
  const std::string where = a.path.empty() ? "the index" : "the index '" + a.path + "'";
  if (e.count() == 0) throw Error(source, "embeddings", "holds no items: nothing to index");
  if (e.dim() != a.dim) {
    throw Error(source, "dim", "is " + std::to_string(e.dim()) + " but " + where + " has " + std::to_string(a.dim));
  }
  if (e.meta.distance != a.distance) {
    throw Error(source, "distance",
                "is " + std::string(to_string(e.meta.distance)) + " but " + where + " uses " +
                    std::string(to_string(a.distance)));
  }
  if (e.meta.model_fingerprint != a.model_fingerprint) {
    const std::string detail = "is " + shown(e.meta.model_fingerprint) + " but " + where +
                               " holds embeddings of model " + shown(a.model_fingerprint);
    if (!options.force) throw Error(source, "model_fingerprint", detail + " (embed with that model, or --force)");
    spdlog::warn("{}: model_fingerprint: {}; adding anyway (--force)", source, detail);
  }

  // Which input row each id ends up as (the last one with --replace), and what happens to it.
  std::unordered_map<std::string, std::size_t> existing = a.positions_by_id();
  std::unordered_map<std::string, std::size_t> last_row;
  for (std::size_t r = 0; r < e.count(); ++r) {
    const auto [it, fresh] = last_row.emplace(e.ids[r], r);
    if (!fresh) {
      if (!options.replace) throw Error(source, "ids", shown(e.ids[r]) + " appears twice (--replace keeps the last)");
      it->second = r;
    }
  }
  AddReport report;
  std::vector<std::size_t> new_rows;
  std::vector<std::pair<std::size_t, std::size_t>> updates;  // (position, row)
  for (std::size_t r = 0; r < e.count(); ++r) {
    if (last_row.at(e.ids[r]) != r) continue;
    const auto found = existing.find(e.ids[r]);
    if (found == existing.end()) {
      new_rows.push_back(r);
    } else if (a.is_deleted(found->second)) {
      updates.emplace_back(found->second, r);
      ++report.revived;
    } else if (options.replace) {
      updates.emplace_back(found->second, r);
      ++report.replaced;
    } else {
      throw Error(source, "ids", shown(e.ids[r]) + " is already in " + where + " (--replace replaces it)");
    }
  }

  // Classes merged by name: the index's positions stay, unseen names are appended.
  std::vector<std::int64_t> relabel(e.meta.classes.size());
  for (std::size_t c = 0; c < e.meta.classes.size(); ++c) {
    const auto at = std::find(a.classes.begin(), a.classes.end(), e.meta.classes[c]);
    if (at == a.classes.end()) {
      report.new_classes.push_back(e.meta.classes[c]);
      a.classes.push_back(e.meta.classes[c]);
    }
    relabel[c] = std::find(a.classes.begin(), a.classes.end(), e.meta.classes[c]) - a.classes.begin();
  }
  const auto label_of = [&](std::size_t r) { return e.labels[r] < 0 ? -1 : relabel[std::size_t(e.labels[r])]; };

  if (!e.meta.provenance.empty()) a.history.push_back(e.meta.provenance);  // what the new items came from
  // Vectors first (the only step that can fail for want of memory), then the metadata.
  for (const auto& [position, row] : updates) {
    a.index->replace(position, e.row(row));
    a.labels[position] = label_of(row);
  }
  // One add() for all new items (its threads then never wait at a batch's end); the rows are used
  // in place when they are all new, as in a fresh build.
  {
    std::vector<float> copied;
    const float* rows = e.data.data();
    if (new_rows.size() != e.count()) {
      copied.resize(new_rows.size() * a.dim);
      for (std::size_t i = 0; i < new_rows.size(); ++i)
        std::copy_n(e.row(new_rows[i]), a.dim, copied.data() + i * a.dim);
      rows = copied.data();
    }
    Progress progress("indexing", new_rows.size(), "items");
    AddHints hints;
    hints.progress = [&](std::size_t n) { progress.add(n); };
    a.index->add(rows, new_rows.size(), options.threads, hints);
    progress.finish();
  }
  std::vector<std::string> payloads;
  Payloads payload;
  bool any_payload = !a.payloads.empty();
  for (std::size_t r : new_rows) {
    a.ids.push_back(e.ids[r]);
    a.labels.push_back(label_of(r));
    payloads.push_back(payload.of(e.ids[r]));
    any_payload = any_payload || !payloads.back().empty();
  }
  if (any_payload) {
    a.payloads.resize(a.ids.size() - new_rows.size());
    a.payloads.insert(a.payloads.end(), payloads.begin(), payloads.end());
    for (const auto& [position, row] : updates) a.payloads[position] = payload.of(e.ids[row]);
  }
  if (options.store_data || !a.data.empty()) {
    std::vector<std::pair<std::size_t, std::string>> refs;  // (position, what names its picture)
    const std::size_t old_size = a.ids.size() - new_rows.size();
    if (a.data.empty()) {  // the first pictures of this index: those of the items already in it too
      std::vector<bool> updated(old_size, false);
      for (const auto& update : updates) updated[update.first] = true;
      for (std::size_t i = 0; i < old_size; ++i) {
        if (a.is_deleted(i) || updated[i]) continue;
        const bool by_payload = i < a.payloads.size() && !a.payloads[i].empty();
        refs.emplace_back(i, by_payload ? a.payloads[i] : a.ids[i]);
      }
    }
    a.data.resize(a.ids.size());
    for (const auto& [position, row] : updates) refs.emplace_back(position, e.ids[row]);
    for (std::size_t i = 0; i < new_rows.size(); ++i) refs.emplace_back(old_size + i, e.ids[new_rows[i]]);
    store_pictures(a, refs);
  }
  report.added = new_rows.size();
  measure_recall(a, -1, options.seed, options.threads);  // as the index was measured before, if it was
  return report;
}

void delete_from_index(IndexArtifact& a, const std::vector<std::string>& ids) {
  const std::unordered_map<std::string, std::size_t> positions = a.positions_by_id();
  std::vector<std::size_t> doomed;
  for (const std::string& id : ids) {
    const auto found = positions.find(id);
    if (found == positions.end() || a.is_deleted(found->second)) {
      throw Error(
          a.path, "ids",
          shown(id) + " is not in the index" + (found == positions.end() ? std::string() : " (already deleted)"));
    }
    doomed.push_back(found->second);
  }
  std::sort(doomed.begin(), doomed.end());
  doomed.erase(std::unique(doomed.begin(), doomed.end()), doomed.end());  // "delete x x" deletes x once
  for (std::size_t position : doomed) a.index->mark_deleted(position);
}

void measure_recall(IndexArtifact& a, double target, std::uint64_t seed, unsigned threads) {
  if (a.type != IndexType::Hnsw || !a.index || a.index->live_count() < 2) return;
  if (target < 0) {
    // Again only when the items changed by a tenth since: each measurement searches a thousand
    // queries exactly, too much to repeat for every few items added.
    const std::size_t live = a.index->live_count(), then = a.recall.items;
    if (!a.recall.measured() || 10 * (live > then ? live - then : then - live) < then) return;
    target = a.recall.target;
  }
  auto* hnsw = dynamic_cast<HnswIndex*>(a.index.get());
  if (hnsw == nullptr) return;  // a union of shards: each shard has its own
  RecallOptions options;
  options.seed = seed;
  options.threads = threads;
  const RecallProbe probe(*a.index, options);
  if (target > 0) {
    std::size_t ef = a.hnsw.ef;
    a.recall = tune_ef(probe, target, ef);
    hnsw->set_default_ef(ef);
    a.hnsw.ef = ef;
  } else {
    a.recall = RecallRecord{0, probe.recall_at(a.hnsw.ef), probe.k(), probe.sample(), probe.live(), false};
  }
  const std::string where = a.path.empty() ? "the index" : a.path;
  if (target > 0 && !a.recall.reached) {
    spdlog::warn(
        "{}: recall@{} {:.4f} at ef {} ({} sampled items against exact search) falls short of the target "
        "{}; a larger --M or --ef-construction builds a better graph",
        where, a.recall.k, a.recall.recall, a.hnsw.ef, a.recall.sample, target);
  } else {
    spdlog::info("{}: recall@{} {:.4f} at ef {} ({} sampled items against exact search){}", where, a.recall.k,
                 a.recall.recall, a.hnsw.ef, a.recall.sample,
                 target > 0 ? ": the smallest ef reaching the target" : "");
  }
}

IndexArtifact merge_indexes(const IndexArtifact& shards, unsigned threads) {
  if (!shards.index) throw std::logic_error("merge_indexes: the shards were opened without their vectors");
  const Index& from = *shards.index;
  IndexArtifact a;
  a.type = from.type();
  a.distance = shards.distance;
  a.dim = shards.dim;
  a.hnsw = shards.hnsw;
  a.classes = shards.classes;
  a.model_fingerprint = shards.model_fingerprint;
  a.calibration = shards.calibration;
  a.recall = shards.recall;              // tuned again by sim-index merge (measure_recall)
  a.quantization = shards.quantization;  // the shards' own when they all agree (join_indexes), else none
  a.history = shards.history;
  if (a.type == IndexType::Exact) {
    a.index = std::make_unique<ExactIndex>(a.distance, a.dim);
  } else {
    a.index = std::make_unique<HnswIndex>(a.distance, a.dim, a.hnsw);
  }
  // The live items in the union's order, their vectors as the shards store them, copied in one
  // call (for HNSW each call scans the graph's elements), then compacted in place.
  std::vector<float> vectors(shards.size() * a.dim);
  from.copy_vectors(0, shards.size(), vectors.data());
  std::size_t live = 0;
  for (std::size_t p = 0; p < shards.size(); ++p) {
    if (from.is_deleted(p)) continue;
    if (live != p) {
      std::copy_n(vectors.begin() + std::ptrdiff_t(p * a.dim), a.dim, vectors.begin() + std::ptrdiff_t(live * a.dim));
    }
    ++live;
    a.ids.push_back(shards.ids[p]);
    a.labels.push_back(shards.labels[p]);
    if (!shards.payloads.empty()) a.payloads.push_back(shards.payloads[p]);
    if (!shards.data.empty()) a.data.push_back(shards.data[p]);
  }
  if (a.ids.empty()) throw Error(shards.path, "", "holds no live items: nothing to merge");
  Progress progress("indexing", a.ids.size(), "items");
  AddHints hints;
  hints.progress = [&](std::size_t n) { progress.add(n); };
  hints.stored = true;
  a.index->add(vectors.data(), a.ids.size(), threads, hints);
  progress.finish();
  if (a.type == IndexType::Hnsw) static_cast<HnswIndex&>(*a.index).set_quantization(a.quantization);
  return a;
}

Facts index_facts(const IndexArtifact& a) {
  const std::size_t deleted = std::size_t(std::count(a.deleted.begin(), a.deleted.end(), 1));
  Facts s;
  const auto line = [&](const std::string& key, const std::string& value) { s.add(key, value); };
  const auto number = [&](const std::string& key, std::size_t value) { s.add(key, value); };
  line("index", a.path);
  line("format", std::string(kIndexFormat) + " version " + std::to_string(kIndexVersion));
  line("type", std::string(to_string(a.type)));
  line("distance", std::string(to_string(a.distance)));
  number("dim", a.dim);
  number("count", a.size());
  number("deleted", deleted);
  number("live", a.size() - deleted);
  if (a.type == IndexType::Hnsw) {
    char crc[16];
    std::snprintf(crc, sizeof crc, "%08x", unsigned(a.hnsw_stamp.crc32));
    line("hnswlib file", a.hnsw_path() + " (" + std::to_string(a.hnsw_stamp.size) + " bytes, CRC-32 " + crc + ")");
    number("M", a.hnsw.m);
    number("ef_construction", a.hnsw.ef_construction);
    number("ef", a.hnsw.ef);
    line("quantize", std::string(to_string(a.quantization)));
    if (!a.recall.measured()) {
      line("recall", "not measured");
    } else {
      char figure[32];
      std::snprintf(figure, sizeof figure, "%.4f", a.recall.recall);
      std::string how = std::string(figure) + " (recall@" + std::to_string(a.recall.k) + " at ef " +
                        std::to_string(a.hnsw.ef) + ", " + std::to_string(a.recall.sample) + " sampled of " +
                        std::to_string(a.recall.items) + " items against exact search; ";
      std::snprintf(figure, sizeof figure, "%g", a.recall.target);
      how += a.recall.target > 0 ? std::string("ef tuned for ") + figure + (a.recall.reached ? "" : ", not reached")
                                 : "ef set by hand";
      line("recall", how + ")");
    }
  }
  number("generation", a.generation);
  line("classes", count_and_names(a.classes));
  line("payloads", a.payloads.empty() ? "none" : "yes");
  if (a.data.empty()) {
    line("data", "none");
  } else {
    std::size_t items = 0, bytes = 0;
    for (const std::string& d : a.data) {
      items += d.empty() ? 0 : 1;
      bytes += d.size();
    }
    line("data", "pictures of " + std::to_string(items) + " of " + std::to_string(a.size()) + " items, " +
                     std::to_string(bytes) + " bytes");
  }
  line("model fingerprint", a.model_fingerprint.empty() ? "(none)" : a.model_fingerprint);
  if (a.calibration.empty()) {
    line("calibration", "none");
  } else {
    std::string t;
    for (std::size_t i = 0; i < a.calibration.names.size(); ++i) {
      t += (t.empty() ? "" : ", ") + a.calibration.names[i] + "=" + std::to_string(a.calibration.thresholds[i]);
    }
    line(
        "calibration",
        t + " (default: " + (a.calibration.default_name.empty() ? a.calibration.names[0] : a.calibration.default_name) +
            "; for --match " + (a.calibration.match.empty() ? "nearest or majority" : a.calibration.match) + ")");
  }
  if (a.prototypes.dim == 0) {
    line("prototypes", "none (written by an older sim: the next write stores them)");
  } else {
    const auto with_items =
        std::count_if(a.prototypes.counts.begin(), a.prototypes.counts.end(), [](std::int64_t c) { return c > 0; });
    line("prototypes", std::to_string(with_items) + " of " + std::to_string(a.classes.size()) +
                           " classes have live items (--match centroid)");
  }
  if (a.provenance.empty()) {
    line("provenance", "(none)");
  } else {
    s.add_json("provenance", a.provenance);
  }
  for (const std::string& h : a.history) s.add_json_item("history", h);
  return s;
}

std::string describe_index(const IndexArtifact& a) { return format_facts(index_facts(a)); }

}  // namespace sim
