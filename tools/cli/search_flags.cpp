#include "cli/search_flags.hpp"

#include <chrono>
#include <cstdint>

#include "base/launch_env.hpp"
#include "base/rank_exchange.hpp"
#include "cli/data_flags.hpp"
#include "cli/value_flags.hpp"

namespace sim {
namespace {

// -k, --ef and --match: sim-query and sim-eval spell and check them the same way; what differs
// (what k is for, its limit, the default rule) is said by each caller.
struct NeighbourFlags {
  const char* k_help;
  int k_max;
  const char* ef_help;
  const char* match_help;
  const char* match_default;  // shown in --help; nullptr: no rule unless given
};

void add_k_and_ef_flags(CLI::App& app, std::size_t& k, std::size_t& ef, const NeighbourFlags& f) {
  app.add_option("-k", k, f.k_help)->default_val(10)->check(CLI::Range(1, f.k_max));
  app.add_option("--ef", ef, f.ef_help)->check(CLI::Range(1, 1000000));
}

void add_load_flag(CLI::App& app, GraphLoad& load) {
  app.add_option_function<std::string>(
         "--load", [&load](const std::string& v) { load = v == "map" ? GraphLoad::Map : GraphLoad::Read; },
         "How the hnswlib file is opened: read (default: read whole and checked byte by byte first, in huge "
         "pages) or map (mapped: pages read as searches touch them and shared between processes; only what "
         "searches touch is checked)")
      ->check(CLI::IsMember({"map", "read"}));
}

void add_match_flag(CLI::App& app, MatchRule& match, const NeighbourFlags& f) {
  // Strings on the command line (CLI11's enum mapping would also accept "0" and "1").
  CLI::Option* rule = app.add_option_function<std::string>(
                             "--match",
                             [&match](const std::string& v) {
                               match = v == "majority"   ? MatchRule::Majority
                                       : v == "centroid" ? MatchRule::Centroid
                                                         : MatchRule::Nearest;
                             },
                             f.match_help)
                          ->check(CLI::IsMember({"nearest", "majority", "centroid"}));
  if (f.match_default != nullptr) rule->default_str(f.match_default);
}

}  // namespace

void add_flags(CLI::App& app, AddOptions& o) {
  app.add_flag("--replace", o.replace, "An id already in the index gets the new vector and label (default: refuse)");
  app.add_flag("--force", o.force, "Accept embeddings of another model (a different model fingerprint)");
  app.add_flag("--store-data", o.store_data,
               "Keep each item's picture in the index (image file bytes; IDX items as PNG): self-contained "
               "for sim-query --grid");
  add_flags(app, o.input, "the items", true);
}

void add_flags(CLI::App& app, EmbeddingsInputOptions& o, const std::string& whose, bool columns) {
  if (columns) add_column_flags(app, o.columns);
  app.add_option("--labels", o.labels_path,
                 "Labels of " + whose +
                     " when -i carries none (a .npy, or HDF5 written without sim): a .npy of "
                     "integers (-1 = unlabelled) or text, one label per line (integers or class names)");
  app.add_option("--ids", o.ids_path,
                 "Ids of " + whose + " when -i carries none: text, one per line (default: FILE#ROW, the row from 0)");
}

void add_flags(CLI::App& app, BuildOptions& o) {
  add_flags(app, static_cast<AddOptions&>(o));
  app.add_flag("--exact", o.exact, "Brute-force index: exact results, any distance (manhattan too), slower queries");
  app.add_option("--M", o.hnsw.m, "HNSW links per node (level 0 has twice as many)")
      ->default_val(16)
      ->check(CLI::Range(2, 10000));
  app.add_option("--ef-construction", o.hnsw.ef_construction, "HNSW candidate list size while inserting")
      ->default_val(200)
      ->check(CLI::Range(1, 1000000));
  app.add_option("--ef", o.hnsw.ef,
                 "Default HNSW candidate list size for queries, stored in the index (default: the smallest "
                 "reaching --target-recall)")
      ->default_val(64)
      ->check(CLI::Range(1, 1000000))
      ->each([&o](const std::string&) { o.ef_given = true; });
  app.add_option_function<std::string>(
         "--quantize", [&o](const std::string& v) { o.quantization = parse_quantization(v); },
         "HNSW: walk the graph over sq8 (1 byte a component) or f16 codes of the vectors, re-ranking the "
         "candidates on the full vectors: faster searches of long vectors (none, sq8, f16; default none)")
      ->check(CLI::IsMember({"none", "sq8", "f16"}));
  app.add_option("--target-recall", o.target_recall,
                 "HNSW: measure recall@10 against exact search on a sample of the items and store the smallest "
                 "ef reaching this (0: do not measure); again when add changes the items by a tenth")
      ->default_val(0.99)
      ->check(finite_number())
      ->check(CLI::Range(0.0, 1.0));
  add_distance_flag(app, o.input.distance,
                    "For vectors that carry no distance (.npy, HDF5 written without sim, CSV/TSV): the distance to "
                    "index them under (default cosine); sim-embed's files carry their own");
}

void add_flags(CLI::App& app, QueryOptions& o) {
  NeighbourFlags flags{"Neighbours per query (fewer when the index holds fewer)", 1000000,
                       "HNSW candidate list size (default: the one stored in the index)",
                       "Add each query's decided class: nearest neighbour's, majority vote of the k, or the nearest "
                       "class prototype's (centroid: the normalised mean of each class's items); 'unknown' beyond "
                       "the index's calibrated threshold",
                       nullptr};
  add_k_and_ef_flags(app, o.k, o.ef, flags);
  app.add_option_function<std::string>(
         "--format", [&o](const std::string& v) { o.format = v == "jsonl" ? OutputFormat::Jsonl : OutputFormat::Tsv; },
         "Output: tsv (one row per query and rank) or jsonl (one object per query)")
      ->check(CLI::IsMember({"tsv", "jsonl"}))
      ->default_str("tsv");
  add_match_flag(app, o.match, flags);
  add_load_flag(app, o.graph_load);
  app.add_flag("--force", o.force, "Accept queries embedded by another model (a different model fingerprint)");
}

void add_flags(CLI::App& app, GridOptions& o) {
  app.add_option("--grid", o.path,
                 "Also draw the first queries beside their neighbours (pictures, classes, distances) into this PNG");
  app.add_option("--grid-rows", o.rows, "How many queries --grid draws (the first ones)")
      ->default_val(20)
      ->check(CLI::Range(1, 200));
}

void add_flags(CLI::App& app, EvalOptions& o) {
  NeighbourFlags flags{"Neighbours for precision@k, recall@k, NDCG@k and majority votes", 100000,
                       "HNSW candidate list size (default: the index's; always at least the neighbours asked)",
                       "How a query is classified: its nearest labelled neighbour's class, the majority of its k, or "
                       "the nearest class prototype's (centroid)",
                       "nearest"};
  add_k_and_ef_flags(app, o.k, o.ef, flags);
  add_match_flag(app, o.match, flags);
  add_load_flag(app, o.graph_load);
  app.add_option("--unseen-classes", o.unseen_classes,
                 "Classes the model never trained on (comma-separated): metrics reported separately for them")
      ->delimiter(',');
  CLI::Option* shots =
      app.add_option(
             "--shots", o.few_shot.shots,
             "k-shot evaluation of the --unseen-classes: onboard each from this many of its queries (e.g. 1,5,20), "
             "as if added to the index, and report every match rule's right answers on the rest")
          ->delimiter(',')
          ->check(CLI::Range(1, 100000));
  app.add_option("--draws", o.few_shot.draws,
                 "With --shots: random draws of the examples per count, averaged (by --seed)")
      ->default_val(5)
      ->check(CLI::Range(1, 1000))
      ->needs(shots);
  shots->needs("--unseen-classes");
  app.add_option_function<std::string>(
      "--target-precision",
      [&o](const std::string& v) { o.target_precisions = parse_fractions(v, "--target-precision"); },
      "Also calibrate the largest thresholds reaching these precisions (comma-separated, e.g. 0.9,0.99)");
  app.add_flag("--force", o.force, "Accept queries embedded by another model (a different model fingerprint)");
  app.add_option("--projector-points", o.projector_points,
                 "With --report: queries on projector.html, the interactive t-SNE/PCA map (evenly spread; about 3.5 KB "
                 "each with 28x28 pictures; 0: no projector)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t(0), std::size_t(5000)));
}

void add_flags(CLI::App& app, RankOptions& o) {
  app.add_option("--timeout", o.timeout_s,
                 "Several ranks (torchrun, Slurm, Kubernetes): seconds a rank waits for the others (to join, in "
                 "every search) before the job fails naming the rank that did not answer")
      ->default_val(300)
      ->check(finite_number())
      ->check(CLI::Range(1.0, 86400.0));
}

std::unique_ptr<DistributedSearch> join_search_ranks(const std::vector<std::string>& index_paths,
                                                     const RankOptions& options, std::unique_ptr<RankExchange>& ranks,
                                                     GraphLoad graph) {
  const LaunchEnv launch = read_launch_env();
  if (!launch.distributed()) return nullptr;
  ranks = open_rank_exchange(launch, std::chrono::milliseconds(std::int64_t(options.timeout_s * 1000)));
  return std::make_unique<DistributedSearch>(*ranks, index_paths, graph);
}

}  // namespace sim
