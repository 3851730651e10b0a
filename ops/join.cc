#include "ops/join.h"

#include "autograd/node.h"
#include "core/copy.h"

namespace dc {

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  std::vector<Tensor> parts;
  for (const Tensor& t : tensors) {
    DC_CHECK(t.defined(), "cat: undefined tensor in the list");
    if (!(t.dim() == 1 && t.numel() == 0)) parts.push_back(t);
  }
  DC_CHECK(!parts.empty() || !tensors.empty(), "cat: expected at least one tensor");
  if (parts.empty()) return tensors[0].detach();
  const Tensor& first = parts[0];
  const int64_t d = wrap_dim(dim, first.dim(), "cat");
  Shape out_shape = first.sizes();
  out_shape[d] = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Tensor& t = parts[i];
    DC_CHECK(t.dim() == first.dim(), "cat: tensor ", i, " is ", t.str(), " but tensor 0 is ",
             first.str(), " (same number of dims expected)");
    DC_CHECK(t.dtype() == first.dtype() && t.device() == first.device(), "cat: tensor ", i, " is ",
             t.str(), " on ", t.device(), ", tensor 0 is ", first.str(), " on ", first.device());
    for (int64_t k = 0; k < t.dim(); ++k) {
      DC_CHECK(k == d || t.size(k) == first.size(k), "cat: tensor ", i, " ", t.str(),
               " differs from tensor 0 ", first.str(), " in dim ", k, " (only dim ", d,
               " may differ)");
    }
    out_shape[d] += t.size(d);
  }
  Tensor out = empty(out_shape, first.dtype(), first.device());
  std::vector<int64_t> sizes;
  int64_t pos = 0;
  for (const Tensor& t : parts) {
    copy_into(out.detach().narrow(d, pos, t.size(d)), t);
    sizes.push_back(t.size(d));
    pos += t.size(d);
  }
  record_op("cat", parts, {out},
            [sizes, d](const std::vector<Tensor>& g, const std::vector<bool>&) {
              return split(g[0], sizes, d);
            });
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  DC_CHECK(!tensors.empty(), "stack: expected at least one tensor");
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  for (size_t i = 0; i < tensors.size(); ++i) {
    DC_CHECK(tensors[i].sizes() == tensors[0].sizes(), "stack: tensor ", i, " is ",
             tensors[i].str(), " but tensor 0 is ", tensors[0].str(), " (equal shapes expected)");
    parts.push_back(tensors[i].unsqueeze(d));
  }
  return cat(parts, d);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    DC_CHECK(s >= 0, "split: negative size ", s);
    total += s;
  }
  DC_CHECK(total == x.size(d), "split: sizes add up to ", total, " but dim ", d, " of ", x.str(),
           " has ", x.size(d));
  std::vector<Tensor> out;
  int64_t pos = 0;
  for (int64_t s : sizes) {
    out.push_back(x.narrow(d, pos, s));
    pos += s;
  }
  return out;
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  DC_CHECK(split_size > 0, "split: split_size must be positive, got ", split_size);
  const int64_t d = wrap_dim(dim, x.dim(), "split");
  std::vector<int64_t> sizes;
  for (int64_t pos = 0; pos < x.size(d); pos += split_size) {
    sizes.push_back(std::min(split_size, x.size(d) - pos));
  }
  if (sizes.empty()) sizes.push_back(0);
  return split(x, sizes, d);
}

std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  DC_CHECK(chunks > 0, "chunk: chunks must be positive, got ", chunks);
  const int64_t d = wrap_dim(dim, x.dim(), "chunk");
  const int64_t step = (x.size(d) + chunks - 1) / chunks;
  return split(x, std::max<int64_t>(step, 1), d);
}

}  // namespace dc
