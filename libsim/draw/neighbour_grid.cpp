#include "draw/neighbour_grid.hpp"

#include <algorithm>
#include <stdexcept>

namespace sim {
namespace {

using L = NeighbourGridLayout;

constexpr Rgb kGridInk{40, 40, 40};
constexpr Rgb kMuted{110, 110, 110};  // detail lines, header
constexpr Rgb kRule{200, 200, 200};

int line_height() { return kFontCellHeight + 2; }
int column_width(int cell) { return cell + 2 * (L::kBorder + 1) + L::kSpacing; }
int row_height(int cell) { return cell + 2 * (L::kBorder + 1) + 4 + L::kTextLines * line_height() + 8; }

void draw_cell(Canvas& c, const GridCell& cell, int x, int y, int size) {
  const int frame = L::kBorder + 1;  // the border sits 1 pixel off the picture
  if (cell.image.width > 0 && cell.image.height > 0) {
    const bool enlarge = cell.image.width <= size && cell.image.height <= size;
    c.blit(cell.image, x, y, size, size, enlarge ? Scaling::Nearest : Scaling::Area);
  } else {
    c.fill_rect(x, y, size, size, kPaleGrey);
    const std::string text = Canvas::fit_text("no image", size - 4);
    c.draw_text(x + (size - Canvas::text_width(text)) / 2, y + (size - kGlyphAscent) / 2, text, kMuted);
  }
  switch (cell.mark) {
    case CellMark::None:
      c.draw_rect(x - 1, y - 1, size + 2, size + 2, kLightGrey);
      break;
    case CellMark::Correct:
    case CellMark::Wrong:
      c.draw_rect(x - frame, y - frame, size + 2 * frame, size + 2 * frame,
                  cell.mark == CellMark::Correct ? kCorrectColour : kWrongColour, L::kBorder);
      break;
  }
  // Caption and detail, centred under the picture, cut to the column's width.
  const int room = size + 2 * frame + L::kSpacing - 2;
  int ty = y + size + frame + 4;
  for (const auto& [text, colour] : {std::pair{&cell.caption, kGridInk}, std::pair{&cell.detail, kMuted}}) {
    const std::string t = Canvas::fit_text(*text, room);
    c.draw_text(x + (size - Canvas::text_width(t)) / 2, ty, t, colour);
    ty += line_height();
  }
}

}  // namespace

int NeighbourGridLayout::picture_x(std::size_t column) const {
  return kMargin + kBorder + 1 + int(column) * column_width(cell_size) + (column > 0 ? kQueryGap : 0);
}

int NeighbourGridLayout::picture_y(std::size_t row) const {
  return kMargin + kHeader + kBorder + 1 + int(row) * row_height(cell_size);
}

NeighbourGridLayout neighbour_grid_layout(const std::vector<GridRow>& rows, int cell_size) {
  if (cell_size < 8 || cell_size > 1024) {
    throw std::invalid_argument("neighbour grid: cell size " + std::to_string(cell_size) + " is outside 8..1024");
  }
  NeighbourGridLayout layout;
  layout.cell_size = cell_size;
  for (const auto& row : rows) layout.columns = std::max(layout.columns, row.neighbours.size());
  const long long width = (long long)layout.picture_x(0) + (long long)layout.columns * column_width(cell_size) +
                          (layout.columns > 0 ? L::kQueryGap : 0) + cell_size + L::kBorder + 1 + L::kMargin;
  const long long height = (long long)L::kMargin + L::kHeader +
                           (long long)std::max<std::size_t>(rows.size(), 1) * row_height(cell_size) + L::kMargin - 8;
  if (width * height > kMaxImagePixels || width > (1 << 30) || height > (1 << 30)) {
    throw std::invalid_argument("neighbour grid of " + std::to_string(rows.size()) + " rows and " +
                                std::to_string(layout.columns) + " columns is too large a picture");
  }
  layout.width = int(width);
  layout.height = int(height);
  return layout;
}

Canvas neighbour_grid(const std::vector<GridRow>& rows, int cell_size) {
  const NeighbourGridLayout layout = neighbour_grid_layout(rows, cell_size);
  Canvas c(layout.width, layout.height);
  const int size = layout.cell_size;
  // Column titles.
  const auto title = [&](std::size_t column, const std::string& text) {
    c.draw_text(layout.picture_x(column) + (size - Canvas::text_width(text)) / 2, L::kMargin, text, kMuted);
  };
  title(0, "query");
  for (std::size_t k = 1; k <= layout.columns; ++k) title(k, std::to_string(k));
  // The rule between the queries and their neighbours.
  if (layout.columns > 0) {
    const int rule_x = layout.picture_x(1) - L::kBorder - 1 - (L::kSpacing + L::kQueryGap) / 2;
    c.fill_rect(rule_x, L::kMargin, 1, layout.height - 2 * L::kMargin, kRule);
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const int y = layout.picture_y(r);
    draw_cell(c, rows[r].query, layout.picture_x(0), y, size);
    for (std::size_t k = 0; k < rows[r].neighbours.size(); ++k) {
      draw_cell(c, rows[r].neighbours[k], layout.picture_x(k + 1), y, size);
    }
  }
  return c;
}

}  // namespace sim
