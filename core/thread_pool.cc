#include "core/thread_pool.h"

#include <dlfcn.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.h"

namespace dc {
namespace {

thread_local bool t_in_parallel = false;
// Set by SerialThreadScope (data-loader threads): parallel_for runs inline on this thread.
thread_local bool t_serial = false;

// A fixed set of workers that each take one chunk of the current job. The caller thread runs
// chunk 0 itself, so a pool of n threads has n-1 workers.
class Pool {
 public:
  explicit Pool(int n) { resize(n); }
  ~Pool() { stop(); }

  int size() const { return size_; }

  void resize(int n) {
    stop();
    size_ = std::max(1, n);
    quit_ = false;
    // New workers must not mistake the last finished job for a new one.
    const uint64_t current = generation_;
    for (int i = 1; i < size_; ++i) workers_.emplace_back([this, i, current] { loop(i, current); });
  }

  void run(int chunks, const std::function<void(int)>& task) {
    std::unique_lock<std::mutex> job_lock(job_mutex_);  // one parallel region at a time
    {
      std::lock_guard<std::mutex> lk(m_);
      task_ = &task;
      chunks_ = chunks;
      pending_ = chunks - 1;
      error_ = nullptr;
      ++generation_;
    }
    cv_.notify_all();
    run_chunk(0);
    std::unique_lock<std::mutex> lk(m_);
    done_cv_.wait(lk, [&] { return pending_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void run_chunk(int i) {
    t_in_parallel = true;
    try {
      (*task_)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lk(m_);
      if (!error_) error_ = std::current_exception();
    }
    t_in_parallel = false;
  }

  void loop(int id, uint64_t seen) {
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(m_);
        cv_.wait(lk, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
        if (id >= chunks_) continue;
      }
      run_chunk(id);
      std::lock_guard<std::mutex> lk(m_);
      if (--pending_ == 0) done_cv_.notify_one();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
  }

  int size_ = 1;
  std::vector<std::thread> workers_;
  std::mutex job_mutex_;
  std::mutex m_;
  std::condition_variable cv_, done_cv_;
  const std::function<void(int)>* task_ = nullptr;
  int chunks_ = 0;
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool quit_ = false;
  std::exception_ptr error_;
};

int default_threads() {
  if (const char* env = std::getenv("DC_NUM_THREADS")) {
    const int n = std::atoi(env);
    DC_CHECK(n > 0, "DC_NUM_THREADS must be a positive integer, got '", env, "'");
    return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

Pool& pool() {
  static Pool* p = new Pool(default_threads());  // leaked: workers must outlive static tensors
  return *p;
}

std::vector<void (*)(int)>& listeners() {
  static std::vector<void (*)(int)> l;
  return l;
}

// When libgomp is in the process (oneDNN's OpenMP build brings it), parallel_for runs its chunks
// on the calling thread's OpenMP team, the same threads that run oneDNN's primitives, instead of
// on the pool's workers. Two sets of workers on the same cores fight: after each oneDNN call its
// OpenMP workers spin-wait for the next region (GOMP_SPINCOUNT: up to milliseconds) on the cores
// our workers need, and the reverse. One team for both is what PyTorch does (at::parallel_for over
// OpenMP). Measured on a ResNet-18 training step (`densecorr bench train-step`, 2 threads): the
// spin-waiting alone took ~45% of the CPU samples. Looked up at run time: core does not link
// libgomp, and a binary without oneDNN keeps the pool.
struct Gomp {
  using ParallelFn = void (*)(void (*)(void*), void*, unsigned, unsigned);
  using ThreadNumFn = int (*)();
  ParallelFn parallel = nullptr;
  ThreadNumFn thread_num = nullptr;
};

const Gomp& gomp() {
  static const Gomp g = [] {
    Gomp r;
    r.parallel = reinterpret_cast<Gomp::ParallelFn>(dlsym(RTLD_DEFAULT, "GOMP_parallel"));
    r.thread_num = reinterpret_cast<Gomp::ThreadNumFn>(dlsym(RTLD_DEFAULT, "omp_get_thread_num"));
    if (r.parallel == nullptr || r.thread_num == nullptr) r = Gomp{};
    return r;
  }();
  return g;
}

struct OmpJob {
  const std::function<void(int)>* task;
  int chunks;
  std::mutex error_mutex;
  std::exception_ptr error;
};

void omp_trampoline(void* data) {
  OmpJob& job = *static_cast<OmpJob*>(data);
  const int i = gomp().thread_num();
  if (i >= job.chunks) return;
  t_in_parallel = true;
  try {
    (*job.task)(i);
  } catch (...) {
    std::lock_guard<std::mutex> lk(job.error_mutex);
    if (!job.error) job.error = std::current_exception();
  }
  t_in_parallel = false;
}

// Only the main thread (the one that runs the model and oneDNN) uses its OpenMP team: libgomp
// keeps one team per calling thread, and the idle team of a data-loader thread would spin on the
// cores the main team needs. Other threads keep the pool, as before. Captured during static
// initialization, which runs on the main thread.
const std::thread::id g_main_thread = std::this_thread::get_id();

// Runs task(0..chunks-1) on an OpenMP team of `chunks` threads (the caller is thread 0).
void run_on_omp(int chunks, const std::function<void(int)>& task) {
  OmpJob job{&task, chunks, {}, nullptr};
  gomp().parallel(&omp_trampoline, &job, static_cast<unsigned>(chunks), 0);
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace

int num_threads() { return pool().size(); }

void set_num_threads(int n) {
  DC_CHECK(n > 0, "set_num_threads: expected a positive thread count, got ", n);
  pool().resize(n);
  for (auto* l : listeners()) l(n);
}

void add_thread_count_listener(void (*listener)(int)) {
  listeners().push_back(listener);
  listener(num_threads());
}

SerialThreadScope::SerialThreadScope() : previous_(t_serial) { t_serial = true; }
SerialThreadScope::~SerialThreadScope() { t_serial = previous_; }

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  if (begin >= end) return;
  const int64_t n = end - begin;
  const int64_t max_chunks = std::max<int64_t>(1, n / std::max<int64_t>(grain, 1));
  const int chunks = static_cast<int>(std::min<int64_t>(num_threads(), max_chunks));
  if (chunks <= 1 || t_in_parallel || t_serial) {
    fn(begin, end);
    return;
  }
  const int64_t step = (n + chunks - 1) / chunks;
  const std::function<void(int)> task = [&](int i) {
    const int64_t b = begin + i * step;
    const int64_t e = std::min(end, b + step);
    if (b < e) fn(b, e);
  };
  if (gomp().parallel != nullptr && std::this_thread::get_id() == g_main_thread) {
    run_on_omp(chunks, task);
  } else {
    pool().run(chunks, task);
  }
}

}  // namespace dc
