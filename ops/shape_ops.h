// Shape ops that copy: pad, flip, roll, repeat, tile. All are differentiable in x.
#pragma once

#include <vector>

#include "core/tensor.h"
#include "ops/dispatch.h"

namespace dc {

enum class PadMode { kConstant, kReflect, kReplicate };

// As F.pad. `pads` lists (left, right) pairs starting from the LAST dim: {l_last, r_last,
// l_second_last, r_second_last, ...}; at most x.dim() pairs.
// - kConstant: any number of dims; new elements are `value`; negative pads crop (every output
//   size must stay >= 0).
// - kReflect / kReplicate: 1 pair (the last dim of a 2-D or 3-D input) or 2 pairs (the last two
//   dims of a 3-D or 4-D input), as PyTorch supports; 3 pairs (5-D) are not supported. Reflect
//   mirrors without repeating the edge and needs every pad < the size of its dim; replicate
//   repeats the edge element and needs non-empty dims. Negative pads crop, as in PyTorch.
// Gradient: the output gradient at each output element flows back to the input element it was
// copied from (padding constants get none).
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode = PadMode::kConstant,
           double value = 0);

// As torch.flip: reverses the order of elements along each of `dims` (distinct, may be
// negative). Gradient: the output gradient flipped back.
Tensor flip(const Tensor& x, const std::vector<int64_t>& dims);

// As torch.roll: shifts elements along each dims[i] by shifts[i] (negative shifts go left, shifts
// beyond the size wrap around). With `dims` empty, x is rolled as if flattened (then `shifts`
// has one entry) and keeps its shape. Gradient: the output gradient rolled back.
Tensor roll(const Tensor& x, const std::vector<int64_t>& shifts,
            const std::vector<int64_t>& dims = {});

// As Tensor.repeat: tiles x sizes[i] times along dim i. sizes may be longer than x.dim(): x is
// then treated as having leading size-1 dims. Output shape: x's (padded) shape times sizes.
// Gradient: the sum of the output gradient over all copies.
Tensor repeat(const Tensor& x, const std::vector<int64_t>& sizes);

// As torch.tile: like repeat, but reps shorter than x.dim() are padded with leading 1s.
Tensor tile(const Tensor& x, const std::vector<int64_t>& reps);

// --- kernels (registered per device and dtype in ops/cpu/shape_ops_cpu.cc) ---
// Reflect/replicate pad over contiguous [planes, H, W] input: out[p, i, j] = x[p, rows[i],
// cols[j]] with out [planes, rows.size(), cols.size()].
using PadIndexKernelFn = void(const Tensor& out, const Tensor& x, const std::vector<int64_t>& rows,
                              const std::vector<int64_t>& cols);
// Its backward: grad_in [planes, H, W] is overwritten with the sum of grad_out over the output
// elements that read each input element.
using PadIndexBackwardKernelFn = void(const Tensor& grad_in, const Tensor& grad_out,
                                      const std::vector<int64_t>& rows,
                                      const std::vector<int64_t>& cols);
DC_DECLARE_KERNEL(pad_index_kernel, PadIndexKernelFn)
DC_DECLARE_KERNEL(pad_index_backward_kernel, PadIndexBackwardKernelFn)

}  // namespace dc
