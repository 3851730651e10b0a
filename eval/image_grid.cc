#include "eval/image_grid.h"

#include "core/error.h"
#include "eval/canvas.h"

namespace dc {

Tensor image_grid(const std::vector<std::vector<Tensor>>& rows,
                  const std::vector<std::string>& column_titles, int gap) {
  DC_CHECK(!rows.empty(), "image_grid: no row of pictures");
  DC_CHECK(gap >= 0, "image_grid: gap must be >= 0, got ", gap);
  const size_t columns = column_titles.empty() ? rows[0].size() : column_titles.size();
  DC_CHECK(columns > 0, "image_grid: the first row is empty");
  std::vector<std::vector<Canvas>> cells;
  int h = -1, w = -1;
  for (size_t r = 0; r < rows.size(); ++r) {
    DC_CHECK(rows[r].size() == columns, "image_grid: row ", r, " has ", rows[r].size(),
             " pictures, expected ", columns);
    cells.emplace_back();
    for (size_t c = 0; c < columns; ++c) {
      cells[r].push_back(Canvas::from_image(rows[r][c]));
      const Canvas& cell = cells[r].back();
      if (h < 0) h = cell.height(), w = cell.width();
      DC_CHECK(cell.height() == h && cell.width() == w, "image_grid: picture (row ", r, ", column ",
               c, ") is ", cell.width(), "×", cell.height(), ", expected ", w, "×", h,
               " as the first");
    }
  }
  const int band = column_titles.empty() ? 0 : 20;
  const int top = gap + band;
  const int nc = static_cast<int>(columns), nr = static_cast<int>(rows.size());
  Canvas sheet(gap + nc * (w + gap), top + nr * (h + gap));
  for (int c = 0; c < nc && band > 0; ++c) {
    const std::string& title = column_titles[c];
    const int scale = Canvas::text_width(title, 2) <= w ? 2 : 1;
    const int x = gap + c * (w + gap) + (w - Canvas::text_width(title, scale)) / 2;
    const int y = gap + (band - Canvas::text_height(title, scale)) / 2;
    sheet.text(x, y, title, {0, 0, 0}, scale);
  }
  for (int r = 0; r < nr; ++r) {
    for (int c = 0; c < nc; ++c) {
      const int ox = gap + c * (w + gap), oy = top + r * (h + gap);
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) sheet.set(ox + x, oy + y, cells[r][c].at(x, y));
    }
  }
  return sheet.to_u8();
}

}  // namespace dc
