#include "commands/query_grid.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "formats/png_writer.hpp"

namespace sim {
namespace {

const std::string kNone;

// What a cell can show of an id in a few characters: the row of an IDX item, a path's file name.
std::string short_id(const std::string& id) {
  if (const std::optional<IdxItemId> item = parse_idx_item_id(id)) return "#" + std::to_string(item->row);
  const auto slash = id.find_last_of('/');
  return slash == std::string::npos || slash + 1 == id.size() ? id : id.substr(slash + 1);
}

// Three significant digits: enough to rank neighbours by eye, short enough for a cell.
std::string distance_text(float distance) {
  char text[32];
  std::snprintf(text, sizeof text, "d=%.3g", double(distance));
  return text;
}

}  // namespace

std::vector<GridRow> query_grid_rows(const IndexArtifact& index, const std::vector<std::string>& query_ids,
                                     const std::vector<std::int64_t>& query_labels,
                                     const std::vector<std::string>& query_classes, const SearchResult& result,
                                     ItemImages& images) {
  if (query_ids.size() != result.nq || (!query_labels.empty() && query_labels.size() != result.nq)) {
    throw std::invalid_argument("query_grid_rows: one query id (and label, if any) per result row");
  }
  std::vector<GridRow> rows(result.nq);
  for (std::size_t q = 0; q < result.nq; ++q) {
    const std::int64_t label = query_labels.empty() ? -1 : query_labels[q];
    const std::string* query_class = label < 0 ? nullptr : &query_classes.at(std::size_t(label));
    GridRow& row = rows[q];
    row.query.image = images.load(query_ids[q]);
    row.query.caption = query_class ? *query_class : "?";
    row.query.detail = short_id(query_ids[q]);
    const std::size_t found = std::min(result.found(q), kGridMaxNeighbours);
    for (std::size_t j = 0; j < found; ++j) {
      const auto position = std::size_t(result.position(q, j));
      GridCell cell;
      const std::string_view bytes = index.data.empty() ? std::string_view() : std::string_view(index.data[position]);
      cell.image =
          images.resolve(bytes, index.payloads.empty() ? kNone : index.payloads[position], index.ids[position]);
      cell.caption = index.class_name(position);
      cell.detail = distance_text(result.distance(q, j));
      if (query_class && index.labels[position] >= 0) {
        cell.mark = cell.caption == *query_class ? CellMark::Correct : CellMark::Wrong;
      }
      row.neighbours.push_back(std::move(cell));
    }
  }
  return rows;
}

void write_query_grid(const IndexArtifact& index, const Embeddings& queries, const QueryOptions& options,
                      std::size_t rows, AtomicFile& out) {
  const std::size_t n = std::min(rows, queries.count());
  const std::size_t k = std::min(options.k, kGridMaxNeighbours);
  if (options.k > k) spdlog::info("{}: the grid shows the first {} of {} neighbours", out.target(), k, options.k);
  // The same k as the text output (HNSW's effective ef depends on it): the same neighbours, cut later.
  const std::size_t searched = searched_k(index, options.k);
  const SearchResult result = n == 0 ? SearchResult(0, searched)
                                     : index.index->search(queries.row(0), n, searched, {options.ef, options.threads});
  const std::vector<std::string> ids(queries.ids.begin(), queries.ids.begin() + std::ptrdiff_t(n));
  const std::vector<std::int64_t> labels(queries.labels.begin(),
                                         queries.labels.begin() + std::ptrdiff_t(std::min(n, queries.labels.size())));
  ItemImages images;
  const std::vector<GridRow> grid = query_grid_rows(index, ids, labels, queries.meta.classes, result, images);
  std::size_t cells = n;
  for (const GridRow& row : grid) cells += row.neighbours.size();
  const std::string png = encode_png(neighbour_grid(grid).image());
  out.write(png.data(), png.size());
  out.commit();
  if (images.missing() > 0) {
    spdlog::warn("{}: {} of {} pictures not found, drawn as empty boxes", out.target(), images.missing(), cells);
  }
  spdlog::info("{}: {} queries beside {} neighbours each", out.target(), n, k);
}

}  // namespace sim
