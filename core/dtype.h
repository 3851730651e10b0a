// Element types of tensors and the half-precision storage types.
#pragma once

#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>

#include "core/error.h"

namespace dc {

enum class DType : uint8_t { f32, f64, f16, bf16, i32, i64, u8, b8 };

// IEEE binary16 stored as its bit pattern; arithmetic happens after conversion to float.
struct Half {
  uint16_t bits = 0;
};
// bfloat16: the upper half of a float32, rounded to nearest even on conversion.
struct BFloat16 {
  uint16_t bits = 0;
};

float half_to_float(Half h);
Half float_to_half(float f);

inline float bf16_to_float(BFloat16 b) {
  uint32_t u = static_cast<uint32_t>(b.bits) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline BFloat16 float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return BFloat16{static_cast<uint16_t>((u >> 16) | 0x40)};
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest, ties to even
  return BFloat16{static_cast<uint16_t>(u >> 16)};
}

size_t dtype_size(DType t);
const char* dtype_name(DType t);
DType dtype_from_name(const std::string& name);  // throws dc::Error naming the valid names
inline bool is_floating(DType t) {
  return t == DType::f32 || t == DType::f64 || t == DType::f16 || t == DType::bf16;
}
inline std::ostream& operator<<(std::ostream& os, DType t) { return os << dtype_name(t); }

template <typename T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::f32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = DType::f64;
};
template <>
struct DTypeOf<Half> {
  static constexpr DType value = DType::f16;
};
template <>
struct DTypeOf<BFloat16> {
  static constexpr DType value = DType::bf16;
};
template <>
struct DTypeOf<int32_t> {
  static constexpr DType value = DType::i32;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr DType value = DType::i64;
};
template <>
struct DTypeOf<uint8_t> {
  static constexpr DType value = DType::u8;
};
template <>
struct DTypeOf<bool> {
  static constexpr DType value = DType::b8;
};

// Scalar conversions used by copies between dtypes. Floats go to integers by truncation toward
// zero, as C++ and PyTorch do.
template <typename To, typename From>
inline To convert_scalar(From v) {
  return static_cast<To>(v);
}
template <>
inline float convert_scalar<float, Half>(Half v) {
  return half_to_float(v);
}
template <>
inline float convert_scalar<float, BFloat16>(BFloat16 v) {
  return bf16_to_float(v);
}
template <>
inline Half convert_scalar<Half, float>(float v) {
  return float_to_half(v);
}
template <>
inline BFloat16 convert_scalar<BFloat16, float>(float v) {
  return float_to_bf16(v);
}

}  // namespace dc

// Runs the lambda body with `scalar_t` bound to the C++ type of dtype `t`. The *_FLOAT variant
// covers the compute dtypes of CPU float kernels (f32 and f64); the others fail with a dc::Error
// naming `op`, so a missing kernel is never silent.
#define DC_DISPATCH_CASE(enum_v, type, ...) \
  case ::dc::DType::enum_v: {               \
    using scalar_t = type;                  \
    return __VA_ARGS__();                   \
  }

#define DC_DISPATCH_FLOAT(t, op, ...)                                                             \
  [&] {                                                                                           \
    switch (t) {                                                                                  \
      DC_DISPATCH_CASE(f32, float, __VA_ARGS__)                                                   \
      DC_DISPATCH_CASE(f64, double, __VA_ARGS__)                                                  \
      default:                                                                                    \
        DC_FAIL(op, ": no CPU kernel for dtype ", ::dc::dtype_name(t), " (supported: f32, f64)"); \
    }                                                                                             \
  }()

#define DC_DISPATCH_NUMERIC(t, op, ...)                                \
  [&] {                                                                \
    switch (t) {                                                       \
      DC_DISPATCH_CASE(f32, float, __VA_ARGS__)                        \
      DC_DISPATCH_CASE(f64, double, __VA_ARGS__)                       \
      DC_DISPATCH_CASE(i32, int32_t, __VA_ARGS__)                      \
      DC_DISPATCH_CASE(i64, int64_t, __VA_ARGS__)                      \
      DC_DISPATCH_CASE(u8, uint8_t, __VA_ARGS__)                       \
      default:                                                         \
        DC_FAIL(op, ": no CPU kernel for dtype ", ::dc::dtype_name(t), \
                " (supported: f32, f64, i32, i64, u8)");               \
    }                                                                  \
  }()

#define DC_DISPATCH_ALL(t, op, ...)                       \
  [&] {                                                   \
    switch (t) {                                          \
      DC_DISPATCH_CASE(f32, float, __VA_ARGS__)           \
      DC_DISPATCH_CASE(f64, double, __VA_ARGS__)          \
      DC_DISPATCH_CASE(f16, ::dc::Half, __VA_ARGS__)      \
      DC_DISPATCH_CASE(bf16, ::dc::BFloat16, __VA_ARGS__) \
      DC_DISPATCH_CASE(i32, int32_t, __VA_ARGS__)         \
      DC_DISPATCH_CASE(i64, int64_t, __VA_ARGS__)         \
      DC_DISPATCH_CASE(u8, uint8_t, __VA_ARGS__)          \
      DC_DISPATCH_CASE(b8, bool, __VA_ARGS__)             \
    }                                                     \
    DC_FAIL(op, ": unknown dtype");                       \
  }()
