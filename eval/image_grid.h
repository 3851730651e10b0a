// A contact sheet of pictures: rows of equally sized images on a white sheet, with a title over
// each column — the gallery that `densecorr eval` writes for DenseReg.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace dc {

// rows[r][c] are 3×h×w floating images in [0, 1] (values are clamped and rounded to 8 bits as
// write_png stores them), all of the same h×w; every row has column_titles.size() pictures (or,
// with no titles, as many as the first row). Cell (r, c) has its top-left pixel at
// (gap + c·(w + gap), top + r·(h + gap)), with top = gap plus, when there are titles, a title
// band of 20 pixels; the title is drawn centred in that band (scale 2 text, scale 1 when it does
// not fit the column). Returns the sheet as an H×W×3 u8 image (what write_png stores as is).
// Errors: no row, an empty row, rows of different lengths, pictures of different sizes, gap < 0.
Tensor image_grid(const std::vector<std::vector<Tensor>>& rows,
                  const std::vector<std::string>& column_titles = {}, int gap = 4);

}  // namespace dc
