#include "train/dist/watchdog.h"

#include "core/error.h"

namespace dc {

Watchdog::Watchdog(double timeout_s, Action on_timeout)
    : timeout_s_(timeout_s), on_timeout_(std::move(on_timeout)) {
  DC_CHECK(timeout_s > 0, "dist: timeout_s must be positive, got ", timeout_s);
  thread_ = std::thread([this] { run(); });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Watchdog::arm(const std::string& what) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    armed_ = true;
    what_ = what;
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(timeout_s_));
  }
  cv_.notify_all();
}

void Watchdog::disarm() {
  std::lock_guard<std::mutex> lock(mutex_);
  armed_ = false;
}

void Watchdog::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    if (!armed_) {
      cv_.wait(lock);
      continue;
    }
    // Re-read the state after every wake-up: the call may have been disarmed or re-armed with a
    // later deadline meanwhile.
    cv_.wait_until(lock, deadline_);
    if (stop_ || !armed_ || std::chrono::steady_clock::now() < deadline_) continue;
    armed_ = false;
    const std::string what = what_;
    lock.unlock();
    on_timeout_(what, timeout_s_);
    lock.lock();
  }
}

}  // namespace dc
