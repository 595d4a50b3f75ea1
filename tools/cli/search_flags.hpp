// The flags of the search side: building and growing an index (sim-index), querying it (sim-query),
// evaluating against it (sim-eval). Each writes into the options struct it is given, which must
// outlive the parse.
#pragma once

#include <CLI/CLI.hpp>

#include "commands/index_command.hpp"
#include "commands/query_command.hpp"
#include "commands/query_grid.hpp"
#include "eval/evaluation.hpp"

namespace sim {

void add_flags(CLI::App& app, AddOptions& options);  // --replace, --force, --store-data, the column flags
void add_flags(CLI::App& app,
               BuildOptions& options);  // AddOptions' flags, --exact, --M, --ef-construction, --ef, --distance
void add_flags(CLI::App& app, QueryOptions& options);  // -k, --ef, --format, --match, --force
void add_flags(CLI::App& app, GridOptions& options);   // --grid, --grid-rows
void add_flags(CLI::App& app,
               EvalOptions& options);  // -k, --ef, --match, --unseen-classes, --target-precision, --force

}  // namespace sim
