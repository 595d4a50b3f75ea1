// What sim-index does, as library calls: build an index from embeddings, add to it (new classes
// included: no retraining), delete from it, describe it. Every check happens before anything
// changes, so a refused command leaves the index exactly as it was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/facts.hpp"
#include "commands/embeddings_input.hpp"
#include "data/dataset.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"

namespace sim {

// Flags shared by building and adding.
struct AddOptions {
  bool replace = false;  // --replace: an id already in the index gets the new vector and label
  bool force = false;    // --force: accept embeddings of another model (fingerprint differs)
  // --store-data: keep each item's picture in the index (IndexArtifact::data)
  bool store_data = false;
  // -i's reading: --labels, --ids, --label-column, --id-column, and for a build --distance (for
  // files that carry none; an add uses the index's)
  EmbeddingsInputOptions input;
  unsigned threads = 1;    // from --threads
  std::uint64_t seed = 0;  // from --seed: the sample recall is measured on
};

struct BuildOptions : AddOptions {
  bool exact = false;  // --exact: brute force instead of HNSW
  HnswParams hnsw;     // --M, --ef-construction, --ef, and --seed (set by the caller)
  // --target-recall: HNSW's default ef becomes the smallest reaching this recall@10 on a sample of
  // the items (measure_recall); 0 = neither tune nor measure. With ef_given (--ef), ef stays and
  // the recall at it is measured only.
  double target_recall = 0.99;
  bool ef_given = false;
  Quantization quantization = Quantization::None;  // --quantize (HNSW only)
};

// Measures an HNSW index's recall@10 at its default ef against exact search, on a sample of its
// items (search/recall_tuning.hpp), and records it in a.recall; with target > 0, first makes the
// default ef the smallest that reaches the target. target < 0: what the index recorded before
// (sim-index add and merge: when the live items changed by a tenth or more since the last
// measurement, tuned again if it was tuned, measured again if it was measured; nothing otherwise). Does nothing for an
// exact index or fewer than 2 live items. Logs the result, with a warning when the target is out of reach.
void measure_recall(IndexArtifact& a, double target, std::uint64_t seed, unsigned threads);

// A new, unsaved index of `e` (read from `source`, named in errors), with e's distance, dimension,
// classes and model fingerprint; HNSW's recall measured and its ef tuned as options say. Throws Error naming `source`
// for empty input, a distance HNSW cannot serve (manhattan without --exact), or duplicate ids without --replace (then
// the last occurrence wins); UsageError for bad HNSW parameters.
IndexArtifact build_index(const Embeddings& e, const std::string& source, const BuildOptions& options);

struct AddReport {
  std::size_t added = 0;     // new positions
  std::size_t replaced = 0;  // existing ids given a new vector (--replace)
  std::size_t revived = 0;   // ids that were deleted and are back
  std::vector<std::string> new_classes;
};

// Appends e's items to `a` (and measures its recall again, as measure_recall says for target < 0). Class names are
// merged by name: classes the index has never seen are appended to its list and the new items relabelled to the merged
// positions. An id that is deleted in the index comes back with its new vector; one that is live is refused unless
// options.replace. Throws Error naming `source` and the field: empty input, dimension or distance
// different from the index's, a model fingerprint different from the index's (unless
// options.force), a duplicate id (unless options.replace).
// Pictures (IndexArtifact::data) are stored when options.store_data or when the index already
// stores them: each new or replaced item's image file bytes, or its IDX item's pixels as PNG
// (item_images.hpp); when the index had none yet, those of the items already in it too (from
// their payload, else their id). An item without a picture gets "" and a warning, not an error.
AddReport add_to_index(IndexArtifact& a, const Embeddings& e, const std::string& source, const AddOptions& options);

// Marks the items with these ids deleted (an exact index drops them when saved). All or nothing:
// throws Error naming the index and the first id that is not (or no longer) in it.
void delete_from_index(IndexArtifact& a, const std::vector<std::string>& ids);

// One new, unsaved index holding the live items of `shards` (open_index_set over the shard files),
// in the union's order, with its classes, payloads, pictures, calibration and the shards'
// histories: sim-index merge. Exact shards give an exact index whose vectors are the shards' own
// (nothing normalised twice), so it answers exactly as the shards opened together; HNSW shards
// give one graph built afresh from their stored vectors with the first shard's M,
// ef_construction and ef, on `threads` workers. Deleted items are left out. Throws Error when no
// item is live.
IndexArtifact merge_indexes(const IndexArtifact& shards, unsigned threads);

// What `sim-index info` (and sim-info) says about an index, property by property...
Facts index_facts(const IndexArtifact& a);
// ...and as it prints it: one "key: value" line per property.
std::string describe_index(const IndexArtifact& a);

}  // namespace sim
