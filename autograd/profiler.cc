#include "autograd/profiler.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

namespace dc {
namespace profiler {
namespace detail {
std::atomic<bool> g_enabled{false};
}  // namespace detail

namespace {

struct State {
  std::mutex mu;
  std::map<std::string, OpTime> ops;
  double last_mark = 0;
  int backward_depth = 0;
};

State& state() {
  static State* s = new State();
  return *s;
}

}  // namespace

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void set_enabled(bool on) {
  detail::g_enabled.store(on, std::memory_order_relaxed);
  if (on) mark();
}

void mark() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.last_mark = now_seconds();
}

void reset() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.ops.clear();
  s.last_mark = now_seconds();
}

std::vector<OpTime> snapshot() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  std::vector<OpTime> out;
  for (const auto& [name, t] : s.ops) out.push_back(t);
  std::stable_sort(out.begin(), out.end(), [](const OpTime& a, const OpTime& b) {
    return a.forward_seconds + a.backward_seconds > b.forward_seconds + b.backward_seconds;
  });
  return out;
}

void on_record(const char* name) {
  const double t = now_seconds();
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.backward_depth > 0) return;
  OpTime& o = s.ops[name];
  if (o.name.empty()) o.name = name;
  o.forward_seconds += t - s.last_mark;
  ++o.forward_calls;
  s.last_mark = t;
}

void on_backward(const std::string& name, double seconds) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  OpTime& o = s.ops[name];
  if (o.name.empty()) o.name = name;
  o.backward_seconds += seconds;
  ++o.backward_calls;
}

void begin_backward() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  ++s.backward_depth;
}

void end_backward() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  --s.backward_depth;
  s.last_mark = now_seconds();
}

}  // namespace profiler
}  // namespace dc
