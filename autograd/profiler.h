// Per-op wall-clock timing of a real run, for `densecorr bench train-step --per-op` (as `caffe
// time` or tinygrad's DEBUG=2). Off by default; while off, each hook costs one relaxed atomic load.
//
// What is measured, per op name (the name given to record_op, e.g. "conv2d", "batch_norm_relu"):
// - forward: the wall time from the previous recorded op (or the last mark()) up to this op's
//   record_op call. Ops call record_op right after computing their outputs, so this is the op's
//   checks, allocation and kernels, plus any host code that ran since the previous op (module
//   glue, unrecorded helper ops such as batch norm's running-statistics update, which then count
//   for the op they belong to). Call mark() just before the forward pass starts.
// - backward: the time the backward engine spends in the op's backward function (Node::apply).
// - "autograd: accumulate .grad" (backward): the engine's copies/additions into leaves' .grad.
// Single-threaded by design: record it from the thread that runs forward and backward. Ops that
// record while a backward runs (none do: backward runs under no-grad) are not counted as forward.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace dc {
namespace profiler {

struct OpTime {
  std::string name;
  double forward_seconds = 0;
  int64_t forward_calls = 0;
  double backward_seconds = 0;
  int64_t backward_calls = 0;
};

namespace detail {
extern std::atomic<bool> g_enabled;
}  // namespace detail

inline bool enabled() { return detail::g_enabled.load(std::memory_order_relaxed); }
// Turns timing on or off; turning it on also calls mark().
void set_enabled(bool on);
// Starts the forward clock afresh (the next recorded op's time is measured from now).
void mark();
// Drops every accumulated time.
void reset();
// Accumulated times, largest forward + backward first.
std::vector<OpTime> snapshot();

// Hooks for autograd/engine.cc; call only when enabled().
void on_record(const char* name);
void on_backward(const std::string& name, double seconds);
// Brackets a backward pass, so that nothing inside it counts as forward time.
void begin_backward();
void end_backward();
// Monotonic seconds, for the engine's own timing.
double now_seconds();

}  // namespace profiler
}  // namespace dc
