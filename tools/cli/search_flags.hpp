// The flags of the search side: building and growing an index (sim-index), querying it (sim-query),
// evaluating against it (sim-eval). Each writes into the options struct it is given, which must
// outlive the parse.
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

#include "commands/index_command.hpp"
#include "commands/query_command.hpp"
#include "commands/query_grid.hpp"
#include "eval/evaluation.hpp"
#include "search/distributed_index.hpp"

namespace sim {

void add_flags(CLI::App& app,
               AddOptions& options);  // --replace, --force, --store-data, --labels, --ids, the column flags
// --labels, --ids: side files for -i when it is a .npy or HDF5 written without sim; `whose` says
// whose they are in --help ("the items", "the queries"); with `columns`, also --label-column,
// --id-column and --class-names (which a program may take from its dataset flags instead).
void add_flags(CLI::App& app, EmbeddingsInputOptions& options, const std::string& whose, bool columns);
void add_flags(CLI::App& app,
               BuildOptions& options);  // AddOptions' flags, --exact, --M, --ef-construction, --ef, --distance
void add_flags(CLI::App& app, QueryOptions& options);  // -k, --ef, --format, --match, --force
void add_flags(CLI::App& app, GridOptions& options);   // --grid, --grid-rows
void add_flags(CLI::App& app,
               EvalOptions& options);  // -k, --ef, --match, --unseen-classes, --target-precision, --force

// Several ranks (sim-query and sim-eval under torchrun, Slurm or Kubernetes: search/distributed_index.hpp).
struct RankOptions {
  double timeout_s = 300;  // --timeout
};
void add_flags(CLI::App& app, RankOptions& options);  // --timeout
// Under a launcher's RANK/WORLD_SIZE: joins the ranks and deals the indexes out to them, each rank
// opening its HNSW files as `graph` says (--load). Null when the job is one process. Throws
// UsageError for --stream with several ranks.
std::unique_ptr<DistributedSearch> join_search_ranks(const std::vector<std::string>& index_paths,
                                                     const RankOptions& options, std::unique_ptr<RankExchange>& ranks,
                                                     GraphLoad graph);

}  // namespace sim
