// CPU time of the calling thread, for per-stage timings that other threads' load does not inflate
// (benchmarks on a shared machine), and a stopwatch that adds laps to fields of a timings struct.
#pragma once

#include <ctime>

namespace dc {

inline double thread_cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

// Adds the thread CPU seconds since the previous lap to `times->*slot`; does nothing (and reads no
// clock) when `times` is null, so untimed calls pay nothing.
template <typename Times>
struct StageStopwatch {
  Times* times;
  double last = times ? thread_cpu_seconds() : 0;
  void lap(double Times::*slot) {
    if (!times) return;
    const double now = thread_cpu_seconds();
    times->*slot += now - last;
    last = now;
  }
};

}  // namespace dc
