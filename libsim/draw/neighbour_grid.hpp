// The picture of queries and their nearest neighbours (TF Similarity's viz_neigbors_imgs): one
// row per query, the query's image first, set apart by a gap and a rule, then its neighbours
// left to right, each with a caption (its class) and a detail line (its distance) underneath and
// a green (correct) or red (wrong) border. A header names the columns: "query", 1, 2, ...
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "draw/canvas.hpp"
#include "formats/image.hpp"

namespace sim {

enum class CellMark { None, Correct, Wrong };  // border: thin grey / green / red

constexpr Rgb kCorrectColour = kGreen;
constexpr Rgb kWrongColour = kRed;

struct GridCell {
  Image image;          // any size, 1 to 4 channels; width 0 = no picture: a grey "no image" box
  std::string caption;  // e.g. the class label; cut with ".." when wider than the cell
  std::string detail;   // e.g. "d=0.123"
  CellMark mark = CellMark::None;
};

struct GridRow {
  GridCell query;
  std::vector<GridCell> neighbours;  // rows may have different counts
};

// Where everything goes, for callers that annotate the picture (and for tests).
struct NeighbourGridLayout {
  int cell_size = 0;          // the square box a picture is fitted into
  int width = 0, height = 0;  // of the whole picture
  std::size_t columns = 0;    // the most neighbours of any row
  // Top-left corner of the picture box of `column` (0 = the query, k = neighbour k) in `row`.
  int picture_x(std::size_t column) const;
  int picture_y(std::size_t row) const;
  static constexpr int kMargin = 10;
  static constexpr int kBorder = 3;     // width of a Correct / Wrong border, 1 pixel off the picture
  static constexpr int kSpacing = 10;   // between columns, beyond the borders
  static constexpr int kQueryGap = 24;  // extra space between the query and its neighbours
  static constexpr int kHeader = 16;    // the column titles
  static constexpr int kTextLines = 2;  // caption and detail
};

// Throws std::invalid_argument for a cell_size outside 8..1024 (or a picture larger than a Canvas
// allows).
NeighbourGridLayout neighbour_grid_layout(const std::vector<GridRow>& rows, int cell_size = 96);

// The picture. Small images are enlarged with nearest-neighbour scaling, so 28 x 28 digits stay
// crisp; larger ones are shrunk by averaging (Scaling::Area). Throws std::invalid_argument as
// neighbour_grid_layout, or for a malformed image (see Canvas::blit).
Canvas neighbour_grid(const std::vector<GridRow>& rows, int cell_size = 96);

}  // namespace sim
