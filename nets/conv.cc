#include "nets/conv.h"

#include <cmath>

#include "nets/init.h"
#include "ops/conv.h"
#include "ops/conv_transpose.h"

namespace dc {
namespace {

void check_channels(const char* layer, int64_t in, int64_t out, std::array<int64_t, 2> k,
                    int64_t groups) {
  DC_CHECK(in > 0 && out > 0 && k[0] > 0 && k[1] > 0, layer,
           ": channels and kernel size must be positive, got in_channels=", in,
           " out_channels=", out, " kernel_size=[", k[0], ", ", k[1], "]");
  DC_CHECK(groups > 0 && in % groups == 0 && out % groups == 0, layer, ": in_channels ", in,
           " and out_channels ", out, " must be divisible by groups=", groups);
}

}  // namespace

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel_size,
               Conv2dOptions opts, Generator& gen)
    : Module("Conv2d"), options(opts) {
  check_channels("Conv2d", in_channels, out_channels, kernel_size, opts.groups);
  const Shape w_shape{out_channels, in_channels / opts.groups, kernel_size[0], kernel_size[1]};
  weight = register_parameter("weight", init_kaiming_uniform(w_shape, std::sqrt(5.0), gen));
  if (opts.bias) {
    const double b = 1.0 / std::sqrt(static_cast<double>(compute_fans(w_shape).fan_in));
    bias = register_parameter("bias", init_uniform({out_channels}, -b, b, gen));
  }
}

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels,
                                 std::array<int64_t, 2> kernel_size, ConvTranspose2dOptions opts,
                                 Generator& gen)
    : Module("ConvTranspose2d"), options(opts) {
  check_channels("ConvTranspose2d", in_channels, out_channels, kernel_size, opts.groups);
  const Shape w_shape{in_channels, out_channels / opts.groups, kernel_size[0], kernel_size[1]};
  weight = register_parameter("weight", init_kaiming_uniform(w_shape, std::sqrt(5.0), gen));
  if (opts.bias) {
    const double b = 1.0 / std::sqrt(static_cast<double>(compute_fans(w_shape).fan_in));
    bias = register_parameter("bias", init_uniform({out_channels}, -b, b, gen));
  }
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  return conv_transpose2d(x, weight, bias, options.stride, options.padding, options.output_padding,
                          options.dilation, options.groups);
}

}  // namespace dc
