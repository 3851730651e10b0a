#include "train/dist/comm.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "core/copy.h"
#include "train/dist/bucket_plan.h"

namespace dc {

namespace {

// Codes of the collectives in the consistency signature.
enum CallKind : int64_t { kAllReduce = 1, kBucketed, kBroadcast, kAllGather, kBarrier };

const char* call_kind_name(int64_t kind) {
  switch (kind) {
    case kAllReduce:
      return "all_reduce";
    case kBucketed:
      return "all_reduce_bucketed";
    case kBroadcast:
      return "broadcast";
    case kAllGather:
      return "all_gather";
    case kBarrier:
      return "barrier";
  }
  return "?";
}

// FNV-1a over int64 values: a shape (or list of shapes) in one signature slot.
struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(int64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= static_cast<uint64_t>(v >> (8 * i)) & 0xffu;
      h *= 1099511628211ull;
    }
  }
  int64_t value() const { return static_cast<int64_t>(h); }
};

int64_t shape_hash(const Tensor& t) {
  Fnv f;
  f.add(t.dim());
  for (int64_t s : t.sizes()) f.add(s);
  return f.value();
}

std::string label_of(const Tensor& t, const std::string& name) {
  return (name.empty() ? std::string("tensor ") : "'" + name + "' ") + t.str();
}

// A contiguous copy of t on `device` (t itself when it is contiguous and there already).
Tensor contiguous_staging(const Tensor& t, Device device) {
  if (t.is_contiguous() && t.device() == device) return t;
  Tensor s = empty(t.sizes(), t.dtype(), device);
  copy_into(s, t);
  return s;
}

// Elements [start, start + count) of the contiguous tensor t, as a 1-D view.
Tensor flat_range(const Tensor& t, int64_t start, int64_t count) {
  return t.as_strided({count}, {1}, t.offset() + start);
}

// dst = src for two 1-D ranges of one dtype. Host ranges are memcpy'd, as before the device
// buffers came in: the gradient all-reduce runs on a communication thread during backward, and
// plain memcpy keeps it off the thread pool that backward is using.
void copy_range(const Tensor& dst, const Tensor& src) {
  if (dst.device().is_cpu() && src.device().is_cpu()) {
    if (dst.numel() > 0) {
      std::memcpy(dst.raw_data(), src.raw_data(), dst.numel() * dtype_size(dst.dtype()));
    }
    return;
  }
  copy_into(dst, src);
}

std::string dtype_list(const std::vector<DType>& dtypes) {
  std::string s;
  for (DType d : dtypes) s += (s.empty() ? "" : ", ") + std::string(dtype_name(d));
  return s;
}

}  // namespace

const char* comm_reduce_name(CommReduce op) {
  switch (op) {
    case CommReduce::sum:
      return "sum";
    case CommReduce::mean:
      return "mean";
    case CommReduce::max:
      return "max";
    case CommReduce::min:
      return "min";
  }
  return "?";
}

CommReduce comm_reduce_from_name(const std::string& name) {
  for (CommReduce op : {CommReduce::sum, CommReduce::mean, CommReduce::max, CommReduce::min}) {
    if (name == comm_reduce_name(op)) return op;
  }
  DC_FAIL("unknown reduce op '", name, "' (expected one of: sum, mean, max, min)");
}

const char* comm_backend_name(CommBackend backend) {
  switch (backend) {
    case CommBackend::automatic:
      return "auto";
    case CommBackend::single:
      return "single";
    case CommBackend::mpi:
      return "mpi";
    case CommBackend::nccl:
      return "nccl";
  }
  return "?";
}

CommBackend comm_backend_from_name(const std::string& name) {
  for (CommBackend b :
       {CommBackend::automatic, CommBackend::single, CommBackend::mpi, CommBackend::nccl}) {
    if (name == comm_backend_name(b)) return b;
  }
  DC_FAIL("unknown communication backend '", name, "' (expected one of: auto, single, mpi, nccl)");
}

bool launched_by_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr; }

// Serializes a public collective, times it and brackets it with collective_begin/end.
class Communicator::Scope {
 public:
  Scope(Communicator& c, const std::string& what)
      : c_(c), lock_(c.mutex_), start_(std::chrono::steady_clock::now()) {
    c_.collective_begin(what);
  }
  ~Scope() {
    c_.collective_end();
    c_.stats_.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  Communicator& c_;
  std::lock_guard<std::mutex> lock_;
  std::chrono::steady_clock::time_point start_;
};

void Communicator::check_device(const char* op, const Tensor& t, const std::string& label) const {
  DC_CHECK(t.device().is_cpu(), op, ": ", label, " is on ", t.device().str(), "; the ",
           backend_name(),
           " backend handles CPU tensors only (CUDA tensors need the NCCL backend: "
           "dist.backend nccl)");
}

std::string Communicator::reducible_list() const {
  std::vector<DType> ok;
  for (DType d :
       {DType::f32, DType::f64, DType::f16, DType::bf16, DType::i32, DType::i64, DType::u8}) {
    if (reduces(d)) ok.push_back(d);
  }
  return dtype_list(ok);
}

bool Communicator::reduces(DType d) const {
  return d == DType::f32 || d == DType::f64 || d == DType::i32 || d == DType::i64 || d == DType::u8;
}

void Communicator::check_same_call(const char* op, const std::vector<int64_t>& signature,
                                   const std::string& what) {
  const int w = world_size();
  if (w == 1 || !options_.check_consistency) return;
  const int64_t n = static_cast<int64_t>(signature.size());
  std::vector<int64_t> all(static_cast<size_t>(n * w));
  all_gather_host(signature.data(), n * 8, all.data());
  bool same = true;
  for (int r = 0; r < w && same; ++r) {
    same = std::equal(signature.begin(), signature.end(), all.begin() + r * n);
  }
  if (same) return;
  // Every rank holds the same gathered table, so every rank throws, and none is left waiting.
  std::ostringstream os;
  os << op << ": ranks disagree on the collective (this rank " << rank() << ": " << what << "):";
  for (int r = 0; r < w; ++r) {
    const int64_t* s = all.data() + r * n;
    os << (r ? ";" : "") << " rank " << r << " called " << call_kind_name(s[0]);
    if (s[0] != kBarrier) {
      os << " (param " << s[1] << ", dtype " << dtype_name(static_cast<DType>(s[2])) << ", " << s[3]
         << " elements, layout hash " << s[4] << ")";
    }
  }
  os << "; every rank must call the same collectives in the same order with tensors of the same "
        "dtype and shape";
  DC_FAIL(os.str());
}

void Communicator::reduce_buffer(const Tensor& buf, CommReduce op) {
  const int w = world_size();
  const int64_t count = buf.numel();
  const DType dtype = buf.dtype();
  ++stats_.collectives;
  stats_.bytes += count * static_cast<int64_t>(dtype_size(dtype));
  if ((w == 1 && identity_when_alone()) || count == 0) return;
  if (op != CommReduce::mean || native_mean(dtype)) {
    all_reduce_raw(buf.raw_data(), count, dtype, op);
    return;
  }
  if (dtype == DType::f32 || dtype == DType::f64) {
    DC_CHECK(buf.device().is_cpu(), "all_reduce(mean): the ", backend_name(),
             " backend cannot divide a ", buf.device().str(), " buffer (internal error)");
    all_reduce_raw(buf.raw_data(), count, dtype, CommReduce::sum);
    DC_DISPATCH_FLOAT(dtype, "all_reduce", [&] {
      scalar_t* p = static_cast<scalar_t*>(buf.raw_data());
      for (int64_t i = 0; i < count; ++i) p[i] /= static_cast<scalar_t>(w);
    });
    return;
  }
  // Integers: sum in int64 so that narrow types cannot overflow, then truncate toward zero. The
  // widening runs on the buffer's device; the division on the host (no integer kernels on CUDA).
  Tensor wide = empty({count}, DType::i64, buf.device());
  copy_into(wide, buf);
  all_reduce_raw(wide.raw_data(), count, DType::i64, CommReduce::sum);
  Tensor host = wide;
  if (!wide.device().is_cpu()) {
    host = empty({count}, DType::i64);
    copy_into(host, wide);
  }
  int64_t* p = host.data<int64_t>();
  for (int64_t i = 0; i < count; ++i) p[i] /= w;
  copy_into(buf, host);
}

void Communicator::all_reduce(const Tensor& t, CommReduce op, const std::string& name) {
  DC_CHECK(t.defined(), "all_reduce: ", name.empty() ? "the tensor" : "'" + name + "'",
           " is undefined");
  const std::string label = label_of(t, name);
  DC_CHECK(reduces(t.dtype()), "all_reduce: ", label, ": dtype ", dtype_name(t.dtype()),
           " is not supported by the ", backend_name(), " backend (all_reduce supports ",
           reducible_list(), "; other dtypes can only be broadcast or gathered)");
  check_device("all_reduce", t, label);
  const std::string what = std::string("all_reduce(") + comm_reduce_name(op) + ") of " + label;
  Scope scope(*this, what);
  check_same_call("all_reduce",
                  {kAllReduce, static_cast<int64_t>(op), static_cast<int64_t>(t.dtype()), t.numel(),
                   shape_hash(t)},
                  what);
  if (world_size() == 1 && identity_when_alone()) {
    // Identity; the data is not touched, so tensors of any device pass.
    ++stats_.collectives;
    stats_.bytes += t.numel() * static_cast<int64_t>(dtype_size(t.dtype()));
    return;
  }
  Tensor buf = contiguous_staging(t, staging_device(t));
  reduce_buffer(buf, op);
  if (!buf.same(t)) copy_into(t, buf);
}

int64_t Communicator::all_reduce_bucketed(const std::vector<Tensor>& tensors, CommReduce op,
                                          int64_t bucket_bytes,
                                          const std::vector<std::string>& names) {
  DC_CHECK(names.empty() || names.size() == tensors.size(), "all_reduce_bucketed: got ",
           names.size(), " names for ", tensors.size(), " tensors (give one per tensor, or none)");
  Fnv layout;
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    const std::string name = names.empty() ? "tensor " + std::to_string(i) : "'" + names[i] + "'";
    DC_CHECK(t.defined(), "all_reduce_bucketed: ", name, " is undefined");
    const std::string label = name + " " + t.str();
    DC_CHECK(reduces(t.dtype()), "all_reduce_bucketed: ", label, ": dtype ", dtype_name(t.dtype()),
             " is not supported by the ", backend_name(), " backend (all_reduce_bucketed supports ",
             reducible_list(), ")");
    check_device("all_reduce_bucketed", t, label);
    layout.add(static_cast<int64_t>(t.dtype()));
    layout.add(shape_hash(t));
    total += t.numel();
  }
  const std::vector<Bucket> plan = plan_buckets(tensors, bucket_bytes);
  std::ostringstream what;
  what << "all_reduce_bucketed(" << comm_reduce_name(op) << ") of " << tensors.size()
       << " tensors (" << total << " elements, " << plan.size() << " buckets of at most "
       << bucket_bytes << " bytes)";
  Scope scope(*this, what.str());
  check_same_call("all_reduce_bucketed",
                  {kBucketed, static_cast<int64_t>(op) * (int64_t{1} << 40) + bucket_bytes,
                   static_cast<int64_t>(tensors.size()), total, layout.value()},
                  what.str());
  if (world_size() == 1 && identity_when_alone()) {
    // Identity: count the buckets as collectives so that stats read the same on every backend.
    for (const Bucket& b : plan) {
      ++stats_.collectives;
      stats_.bytes += b.count * static_cast<int64_t>(dtype_size(b.dtype));
    }
    return static_cast<int64_t>(plan.size());
  }
  std::vector<Tensor> staged(tensors.size());
  // The bucket buffer lives where the backend reduces (the rank's GPU under NCCL); tensors
  // elsewhere are copied in and out piece by piece.
  const Device device = tensors.empty() ? kCPU : staging_device(tensors.front());
  for (size_t i = 0; i < tensors.size(); ++i) {
    staged[i] = contiguous_staging(tensors[i], tensors[i].device());
  }
  // One byte buffer on the staging device, viewed as each bucket's dtype in turn, so memory stays
  // bounded by the largest bucket.
  int64_t largest = 0;
  for (const Bucket& b : plan) largest = std::max<int64_t>(largest, b.count * dtype_size(b.dtype));
  const Tensor bytes = empty({largest}, DType::u8, device);
  for (const Bucket& b : plan) {
    const Tensor buffer = make_tensor(bytes.storage(), {b.count}, {1}, 0, b.dtype);
    for (const BucketPiece& p : b.pieces) {
      copy_range(flat_range(buffer, p.offset, p.count),
                 flat_range(staged[p.tensor], p.start, p.count));
    }
    reduce_buffer(buffer, op);
    for (const BucketPiece& p : b.pieces) {
      copy_range(flat_range(staged[p.tensor], p.start, p.count),
                 flat_range(buffer, p.offset, p.count));
    }
  }
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (!staged[i].same(tensors[i])) copy_into(tensors[i], staged[i]);
  }
  return static_cast<int64_t>(plan.size());
}

void Communicator::broadcast(const Tensor& t, int root, const std::string& name) {
  DC_CHECK(t.defined(), "broadcast: ", name.empty() ? "the tensor" : "'" + name + "'",
           " is undefined");
  const std::string label = label_of(t, name);
  DC_CHECK(root >= 0 && root < world_size(), "broadcast: root ", root,
           " is not a rank (world size ", world_size(), ", ranks 0..", world_size() - 1, ") for ",
           label);
  check_device("broadcast", t, label);
  const std::string what = "broadcast from rank " + std::to_string(root) + " of " + label;
  Scope scope(*this, what);
  check_same_call("broadcast",
                  {kBroadcast, root, static_cast<int64_t>(t.dtype()), t.numel(), shape_hash(t)},
                  what);
  const int64_t nbytes = t.numel() * static_cast<int64_t>(dtype_size(t.dtype()));
  ++stats_.collectives;
  stats_.bytes += nbytes;
  if ((world_size() == 1 && identity_when_alone()) || nbytes == 0) return;
  Tensor buf = contiguous_staging(t, staging_device(t));
  broadcast_raw(buf.raw_data(), nbytes, root);
  if (!buf.same(t) && rank() != root) copy_into(t, buf);
}

Tensor Communicator::all_gather(const Tensor& t, const std::string& name) {
  DC_CHECK(t.defined(), "all_gather: ", name.empty() ? "the tensor" : "'" + name + "'",
           " is undefined");
  const std::string label = label_of(t, name);
  check_device("all_gather", t, label);
  const std::string what = "all_gather of " + label;
  Scope scope(*this, what);
  check_same_call("all_gather",
                  {kAllGather, 0, static_cast<int64_t>(t.dtype()), t.numel(), shape_hash(t)}, what);
  Shape out_shape{world_size()};
  out_shape.insert(out_shape.end(), t.sizes().begin(), t.sizes().end());
  Tensor out = empty(out_shape, t.dtype(), t.device());
  const Device device = staging_device(t);
  const Tensor buf = contiguous_staging(t, device);
  const int64_t nbytes = buf.numel() * static_cast<int64_t>(dtype_size(buf.dtype()));
  ++stats_.collectives;
  stats_.bytes += nbytes;
  if (world_size() == 1 && identity_when_alone()) {
    if (nbytes > 0) copy_into(out.as_strided(t.sizes(), buf.strides(), 0), buf);
  } else if (nbytes > 0) {
    const Tensor gathered = device == out.device() ? out : empty(out_shape, t.dtype(), device);
    all_gather_raw(buf.raw_data(), nbytes, gathered.raw_data());
    if (!gathered.same(out)) copy_into(out, gathered);
  }
  return out;
}

void Communicator::barrier() {
  Scope scope(*this, "barrier");
  check_same_call("barrier", {kBarrier, 0, 0, 0, 0}, "barrier");
  if (world_size() > 1 || !identity_when_alone()) barrier_raw();
}

CommStats Communicator::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void Communicator::reset_stats() {
  std::lock_guard<std::mutex> lock(mutex_);
  stats_ = CommStats{};
}

}  // namespace dc
