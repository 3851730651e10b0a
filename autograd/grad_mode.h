// Whether ops record the autograd graph on this thread (on by default).
#pragma once

namespace dc {

class GradMode {
 public:
  static bool enabled();
  static void set_enabled(bool enabled);
};

// Disables graph recording for a scope (inference, optimizer steps, backward itself).
class NoGradGuard {
 public:
  NoGradGuard() : prev_(GradMode::enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace dc
