// The picture of a search: each query's image beside its nearest neighbours', with class names and
// distances, and a green (same class as the query) or red (another class) border when both are
// labelled. sim-query --grid writes it; sim-eval's report reuses query_grid_rows.
//
// Where pictures come from (item_images.hpp): a neighbour's from the index's stored data
// (sim-index --store-data), else its payload (the source file's absolute path, or "FILE#ROW" of an
// IDX item), else its id; a query's from its id (sim-embed ids are the source path or the IDX
// item). A picture that cannot be found is a "no image" box and a warning, never an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/atomic_file.hpp"
#include "commands/query_command.hpp"
#include "data/item_images.hpp"
#include "draw/neighbour_grid.hpp"
#include "formats/embeddings.hpp"
#include "search/index_file.hpp"

namespace sim {

// At most this many neighbours per row are drawn (the first ones): a wider picture is unreadable.
inline constexpr std::size_t kGridMaxNeighbours = 32;

// One grid row per query of `result` (query q is result row q): the query's cell (caption: its
// class name, "?" when unlabelled; detail: its id's file name, or "#ROW" for an IDX item) then
// one cell per neighbour found, at most kGridMaxNeighbours (caption: its class name; detail:
// "d=" and the distance to 3 significant digits). query_ids must have result.nq entries, and
// query_labels too, or none (all unlabelled); a label is a position in query_classes. Marks
// compare class names, so the queries' class list need not be the index's. Throws
// std::invalid_argument when the sizes disagree.
std::vector<GridRow> query_grid_rows(const IndexArtifact& index, const std::vector<std::string>& query_ids,
                                     const std::vector<std::int64_t>& query_labels,
                                     const std::vector<std::string>& query_classes, const SearchResult& result,
                                     ItemImages& images);

struct GridOptions {
  std::string path;       // --grid: the PNG to write; "" = none
  std::size_t rows = 20;  // --grid-rows: how many queries (the first ones)
};

// Searches the first `rows` queries again (as query_batch did: same k, ef; searching is
// deterministic), draws them beside their neighbours and writes the PNG to `out`, committing it.
// Logs how many pictures were missing. Throws IoError naming the file when it cannot be written.
void write_query_grid(const IndexArtifact& index, const Embeddings& queries, const QueryOptions& options,
                      std::size_t rows, AtomicFile& out);

}  // namespace sim
