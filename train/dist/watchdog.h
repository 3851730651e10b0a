// A deadline on blocking calls: arm() before a call that may block forever (an MPI collective
// waiting for a dead rank), disarm() after it; if the call is still armed `timeout_s` seconds
// later, a background thread runs the timeout action (the MPI backend prints a message and aborts
// the job). One call is watched at a time.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace dc {

class Watchdog {
 public:
  // on_timeout(what, timeout_s) runs on the watchdog's thread; it normally does not return (it
  // aborts the process), and if it does the watchdog stays disarmed until the next arm().
  using Action = std::function<void(const std::string& what, double timeout_s)>;

  Watchdog(double timeout_s, Action on_timeout);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Starts the clock for the call described by `what` (restarts it if already armed).
  void arm(const std::string& what);
  void disarm();
  double timeout_s() const { return timeout_s_; }

 private:
  void run();

  const double timeout_s_;
  const Action on_timeout_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool armed_ = false;
  bool stop_ = false;
  std::chrono::steady_clock::time_point deadline_;
  std::string what_;
  std::thread thread_;  // last member: started once the state above exists
};

}  // namespace dc
