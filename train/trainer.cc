#include "train/trainer.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "autograd/grad_mode.h"
#include "core/philox.h"
#include "core/thread_pool.h"
#include "nets/batch_norm.h"
#include "nets/weights.h"
#include "ops/elementwise.h"
#include "train/batch_device.h"
#include "train/checkpoint.h"
#include "train/loss_scaler.h"
#include "train/metrics_log.h"
#include "train/optim/adam.h"
#include "train/optim/clip_grad.h"
#include "train/optim/param_groups.h"
#include "train/optim/sgd.h"
#include "train/progress.h"
#include "train/run_device.h"

namespace dc {
namespace {

// SIGINT asks the loop to stop at the next iteration boundary (after a checkpoint). The handler
// resets itself, so a second Ctrl-C ends the process at once.
std::atomic<bool> g_interrupt_requested{false};

extern "C" void request_interrupt(int) { g_interrupt_requested = true; }

class SigintHandler {
 public:
  SigintHandler() {
    g_interrupt_requested = false;
    struct sigaction action {};
    action.sa_handler = request_interrupt;
    action.sa_flags = SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
  }
  ~SigintHandler() { sigaction(SIGINT, &previous_, nullptr); }

 private:
  struct sigaction previous_ {};
};

// Weight decay per parameter kind, as the config names them (solver.weight_decay,
// weight_decay_norm, weight_decay_bias); frozen parameters are left out.
std::vector<ParamGroup> decay_groups(const Config& cfg, const Module& model) {
  ParamGroup weights, norms, biases;
  weights.name = "decay";
  weights.weight_decay = cfg.get_double("solver.weight_decay");
  norms.name = "norm";
  norms.weight_decay = cfg.get_double("solver.weight_decay_norm");
  biases.name = "bias";
  biases.weight_decay = cfg.get_double("solver.weight_decay_bias");
  for (const auto& [name, p] : model.named_parameters()) {
    if (!p.requires_grad()) continue;
    ParamGroup& g = is_norm_param(name, p) ? norms : is_bias_param(name, p) ? biases : weights;
    g.params.push_back(p);
  }
  std::vector<ParamGroup> groups;
  for (ParamGroup* g : {&weights, &norms, &biases}) {
    if (!g->params.empty()) groups.push_back(std::move(*g));
  }
  DC_CHECK(!groups.empty(), "trainer: the model has no trainable parameters");
  return groups;
}

std::unique_ptr<Optimizer> make_optimizer(const Config& cfg, const Module& model) {
  const std::string kind = cfg.get_string("solver.optimizer");
  const double lr = cfg.get_double("solver.base_lr");
  if (kind == "sgd") {
    SgdOptions o;
    o.lr = lr;
    o.momentum = cfg.get_double("solver.momentum");
    o.nesterov = cfg.get_bool("solver.nesterov");
    return std::make_unique<SGD>(decay_groups(cfg, model), o);
  }
  AdamOptions o;
  o.lr = lr;
  o.beta1 = cfg.get_double("solver.momentum");
  o.beta2 = cfg.get_double("solver.beta2");
  if (kind == "adam") return std::make_unique<Adam>(decay_groups(cfg, model), o);
  return std::make_unique<AdamW>(decay_groups(cfg, model), o);
}

std::unique_ptr<LrSchedule> make_schedule_of(const Config& cfg) {
  ScheduleOptions o;
  o.max_iter = cfg.get_int("solver.max_iter");
  o.milestones = cfg.get_ints("solver.steps");
  const std::string name = cfg.get_string("solver.lr_schedule");
  if (name == "step") {
    DC_CHECK(o.milestones.size() == 1,
             "config key solver.steps: the step schedule takes one period, "
             "got ",
             o.milestones.size(), " values");
    o.step_size = o.milestones[0];
  }
  o.gamma = cfg.get_double("solver.gamma");
  o.power = cfg.get_double("solver.poly_power");
  o.warmup_iters = cfg.get_int("solver.warmup_iters");
  o.warmup_method = o.warmup_iters == 0 ? "none" : cfg.get_string("solver.warmup_method");
  o.warmup_factor = cfg.get_double("solver.warmup_factor");
  return make_schedule(name, o);
}

// The two loaders draw from different streams of the run seed.
uint64_t train_loader_seed(const Config& cfg) { return static_cast<uint64_t>(cfg.get_int("seed")); }
uint64_t test_loader_seed(const Config& cfg) {
  return static_cast<uint64_t>(cfg.get_int("seed")) ^ 0x9e3779b97f4a7c15ull;
}

std::string format_values(const std::map<std::string, double>& values) {
  std::string s;
  char buf[96];
  for (const auto& [key, value] : values) {
    std::snprintf(buf, sizeof buf, "%s%s %.6g", s.empty() ? "" : ", ", key.c_str(), value);
    s += buf;
  }
  return s;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The default generator (dropout) of rank r: rank 0 keeps the run seed, so a one-rank run is the
// single-process run; the other ranks draw independent streams.
uint64_t rank_seed(uint64_t seed, int rank) {
  return rank == 0 ? seed : seed ^ (0xd1b54a32d192ed03ull * static_cast<uint64_t>(rank));
}

// The checkpoint's RNG entry of rank r's default generator ("default" for rank 0).
std::string default_rng_key(int rank) {
  return rank == 0 ? "default" : "default_rank" + std::to_string(rank);
}

// Samples [begin, end) of a dataset: one rank's contiguous share of the test set. Unlike the
// loader's DistributedSampler sharding it never pads, so the shards add up to the set exactly.
// Sample `index` draws from the generator the whole-set evaluation pass (epoch 0, loader seed
// `seed`) gives sample begin + index, not from the one the loader seeds from the local index, so
// a rank sees exactly the samples single-process evaluation sees.
class ShardDataset : public Dataset {
 public:
  ShardDataset(std::shared_ptr<const Dataset> base, int64_t begin, int64_t end, uint64_t seed)
      : base_(std::move(base)), begin_(begin), end_(end), seed_(seed) {}
  int64_t size() const override { return end_ - begin_; }
  Sample get(int64_t index, Generator&) const override {
    Generator rng(sample_seed(seed_, 0, begin_ + index));
    return base_->get(begin_ + index, rng);
  }
  SampleLayout layout() const override { return base_->layout(); }
  std::set<std::string> list_fields() const override { return base_->list_fields(); }
  std::string name() const override { return base_->name(); }

 private:
  std::shared_ptr<const Dataset> base_;
  int64_t begin_, end_;
  uint64_t seed_;
};

// Checkpoint entries of the dynamic loss scaler (optimizer/scalars/...).
const char* const kScalerScale = "loss_scaler.scale";
const char* const kScalerGoodSteps = "loss_scaler.good_steps";

// Discards what is written to it (the progress display of ranks other than 0).
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

}  // namespace

CommOptions comm_options_of(const Config& cfg) {
  CommOptions co;
  co.timeout_s = static_cast<double>(cfg.get_int("dist.timeout_s"));
  const DeviceRequest device = parse_device_request(cfg.get_string("device"));
  co.backend = resolve_comm_backend(cfg.get_string("dist.backend"), !device.is_cpu());
  co.cuda_device = device.index;
  return co;
}

void load_model_weights(Module& model, const std::string& path, bool allow_partial,
                        std::ostream& log) {
  const H5AttrMap attrs = read_attrs(path);
  const auto format = attrs.find("format");
  const bool is_checkpoint = format != attrs.end() &&
                             std::holds_alternative<std::string>(format->second) &&
                             std::get<std::string>(format->second) == "densecorr-checkpoint";
  const LoadReport report = load_weights(model, path, allow_partial, is_checkpoint ? "model" : "");
  for (const std::string& w : report.warnings) log << "warning: " << path << ": " << w << "\n";
}

std::map<std::string, double> evaluate_on(Task& task, std::shared_ptr<const Dataset> dataset,
                                          const Config& cfg) {
  LoaderOptions o;
  o.batch_size = cfg.get_int("data.batch_size");
  o.shuffle = false;
  o.drop_last = false;
  o.repeat = false;
  o.num_workers = static_cast<int>(cfg.get_int("data.num_workers"));
  o.seed = test_loader_seed(cfg);
  DataLoader loader(std::move(dataset), o);
  Module& model = task.model();
  const bool was_training = model.is_training();
  model.eval();
  std::map<std::string, double> metrics;
  {
    NoGradGuard no_grad;
    metrics = task.evaluate(loader);
  }
  model.train(was_training);
  return metrics;
}

struct Trainer::Step {
  std::map<std::string, double> losses;  // each term, averaged over the accumulated batches
  double total = 0;
  double data_seconds = 0;
  bool interrupt = false;  // SIGINT seen (on any rank, in a multi-rank run)
  bool overflow = false;   // dynamic loss scaling: the gradients overflowed, the step was skipped
};

Trainer::Trainer(const Config& cfg, std::ostream& log, bool interactive,
                 std::shared_ptr<Communicator> comm)
    : cfg_(cfg), log_(log), interactive_(interactive), run_dir_(cfg.get_string("out")) {
  DC_CHECK(!run_dir_.empty(), "config key out: the run folder must be set");
  if (cfg_.get_int("threads") > 0) set_num_threads(static_cast<int>(cfg_.get_int("threads")));
  // The device string is checked (form, CUDA backend, a usable GPU) before any communicator
  // starts, so a bad value fails alike on every rank without a collective.
  const std::string device_value = cfg_.get_string("device");
  check_device_usable(device_value);
  if (comm == nullptr) comm = make_communicator(comm_options_of(cfg_));
  comm_ = std::move(comm);
  device_ = resolve_device(device_value, comm_->rank());
  use_device(device_);
  const int world = comm_->world_size();
  DC_CHECK(device_.is_cpu() || world == 1 || std::string(comm_->backend_name()) == "nccl",
           "config key dist.backend: the model is on ", device_.str(), " (device ", device_value,
           ") and the job has ", world, " ranks, but the ", comm_->backend_name(),
           " backend cannot reduce CUDA tensors; use dist.backend nccl (or auto)");
  const int64_t global_batch = cfg_.get_int("data.batch_size");
  DC_CHECK(global_batch % world == 0, "config key data.batch_size: the global batch ", global_batch,
           " does not divide among ", world,
           " ranks (each rank loads data.batch_size / world_size samples); use a multiple of ",
           world);
  manual_seed(rank_seed(static_cast<uint64_t>(cfg_.get_int("seed")), comm_->rank()));
  task_ = build_task(cfg_);
  // Before the optimizer: its state (momentum, Adam moments) is made on the parameters' device.
  task_->model().to(device_);
  LoaderOptions o;
  o.batch_size = global_batch / world;
  o.rank = comm_->rank();
  o.world_size = world;
  o.shuffle = true;
  o.drop_last = true;
  o.num_workers = static_cast<int>(cfg_.get_int("data.num_workers"));
  o.seed = train_loader_seed(cfg_);
  // Batches for a GPU are collated into pinned memory by the loader threads, so that batch_to
  // queues their copies without waiting for the GPU to finish the previous step.
  if (!device_.is_cpu() && cfg_.get_bool("data.pin_memory")) o.finish_batch = pin_batch;
  train_loader_ = std::make_unique<DataLoader>(build_dataset(cfg_, "train"), o);
  if (!cfg_.get_string("data.test.name").empty()) test_set_ = build_dataset(cfg_, "test");
  optimizer_ = make_optimizer(cfg_, task_->model());
  schedule_ = make_schedule_of(cfg_);
  for (const ParamGroup& g : optimizer_->param_groups()) {
    params_.insert(params_.end(), g.params.begin(), g.params.end());
  }
  if (cfg_.get_string("solver.loss_scale") == "dynamic") {
    LossScalerOptions so;
    so.init = cfg_.get_double("solver.loss_scale_init");
    so.growth = cfg_.get_double("solver.loss_scale_growth");
    so.backoff = cfg_.get_double("solver.loss_scale_backoff");
    so.growth_interval = cfg_.get_int("solver.loss_scale_growth_interval");
    scaler_ = std::make_unique<DynamicLossScaler>(so);
  }
  // One rank needs no gradient averaging, except when dist.backend nccl is asked for explicitly:
  // NCCL's collectives run even alone, so such a one-GPU run goes through the same bucketed
  // all-reduce as a job of several GPUs (a check of the NCCL path; `auto` skips it).
  const bool nccl_alone =
      std::string(comm_->backend_name()) == "nccl" && cfg_.get_string("dist.backend") == "nccl";
  if (world == 1 && !nccl_alone) return;
  GradSyncOptions gso;
  gso.bucket_bytes = static_cast<int64_t>(cfg_.get_double("dist.bucket_mb") * (1 << 20));
  gso.overlap = cfg_.get_string("dist.grad_sync") == "overlap";
  std::map<const TensorImpl*, std::string> names;
  for (const auto& [name, p] : task_->model().named_parameters()) names[p.impl()] = name;
  std::vector<std::string> param_names;
  for (const Tensor& p : params_) {
    const auto it = names.find(p.impl());
    param_names.push_back(it == names.end() ? "parameter" : it->second);
  }
  grad_sync_ = std::make_unique<GradSync>(comm_, params_, param_names, gso);
  if (cfg_.get_bool("model.sync_bn")) {
    GradSync* sync = grad_sync_.get();
    int64_t count = 0;
    for (const auto& [name, m] : task_->model().named_modules()) {
      if (auto* bn = dynamic_cast<BatchNorm2d*>(m)) {
        bn->sync_all_reduce = [sync, name = name](const Tensor& t) {
          sync->all_reduce(t, CommReduce::sum, name + " (sync_bn)");
        };
        ++count;
      }
    }
    if (is_main() && count == 0) {
      log_ << "warning: model.sync_bn: model " << cfg_.get_string("model.name")
           << " has no BatchNorm2d layer to synchronize\n";
    }
  }
}

Trainer::~Trainer() = default;

std::map<std::string, double> Trainer::evaluate() {
  DC_CHECK(test_set_ != nullptr,
           "evaluation needs a test set: config key data.test.name is not set");
  if (comm_->world_size() == 1) return evaluate_on(*task_, test_set_, cfg_);
  // Every rank evaluates the same model: rank 0's buffers (the plain batch-norm running
  // statistics of each rank's own batches differ), as DDP's broadcast_buffers.
  broadcast_buffers();
  return evaluate_sharded_on(*task_, test_set_, cfg_, *comm_, log_);
}

std::map<std::string, double> evaluate_sharded_on(Task& task,
                                                  std::shared_ptr<const Dataset> dataset,
                                                  const Config& cfg, Communicator& comm,
                                                  std::ostream& log) {
  const int world = comm.world_size(), rank = comm.rank();
  if (world == 1) return evaluate_on(task, std::move(dataset), cfg);
  if (!task.supports_evaluate_sums()) {
    // Still equal to single-process evaluation, only not divided among the ranks.
    if (rank == 0) {
      log << "note: task " << cfg.get_string("task")
          << " has no evaluate_sums(); every rank evaluates the whole test set\n";
    }
    return evaluate_on(task, std::move(dataset), cfg);
  }
  const int64_t n = dataset->size();
  auto shard = std::make_shared<ShardDataset>(dataset, n * rank / world, n * (rank + 1) / world,
                                              test_loader_seed(cfg));
  LoaderOptions o;
  o.batch_size = std::max<int64_t>(1, cfg.get_int("data.batch_size") / world);
  o.shuffle = false;
  o.drop_last = false;
  o.repeat = false;
  o.num_workers = static_cast<int>(cfg.get_int("data.num_workers"));
  o.seed = test_loader_seed(cfg);
  std::map<std::string, double> sums;
  Module& model = task.model();
  const bool was_training = model.is_training();
  model.eval();
  if (shard->size() > 0) {
    // The loader rejects an empty dataset; a rank whose shard is empty contributes nothing.
    DataLoader loader(shard, o);
    NoGradGuard no_grad;
    sums = task.evaluate_sums(loader);
  } else {
    sums = task.evaluate_sums_empty();
  }
  model.train(was_training);
  Tensor packed = empty({static_cast<int64_t>(sums.size())}, DType::f64);
  int64_t i = 0;
  for (const auto& [key, value] : sums) packed.data<double>()[i++] = value;
  comm.all_reduce(packed, CommReduce::sum, "evaluation sums");
  i = 0;
  for (auto& [key, value] : sums) value = packed.data<double>()[i++];
  return task.metrics_from_sums(sums, dataset->name());
}

void Trainer::agree(Step* step, bool* finite) {
  // [non-finite flag, interrupt flag, total, each loss]: one collective per iteration.
  Tensor v = empty({3 + static_cast<int64_t>(step->losses.size())}, DType::f64);
  double* p = v.data<double>();
  p[0] = *finite ? 0 : 1;
  p[1] = g_interrupt_requested ? 1 : 0;
  p[2] = step->total;
  int64_t i = 3;
  for (const auto& [name, value] : step->losses) p[i++] = value;
  comm_->all_reduce(v, CommReduce::sum, "loss values and flags");
  const double w = comm_->world_size();
  *finite = p[0] == 0;
  step->interrupt = p[1] > 0;
  step->total = p[2] / w;
  i = 3;
  for (auto& [name, value] : step->losses) value = p[i++] / w;
}

void Trainer::broadcast_state() {
  for (const auto& [name, t] : task_->model().state_dict()) comm_->broadcast(t, 0, name);
}

void Trainer::broadcast_buffers() {
  for (const auto& [name, t] : task_->model().named_buffers()) comm_->broadcast(t, 0, name);
}

bool Trainer::run_iteration(int64_t iteration, Step* step) {
  optimizer_->zero_grad();
  const int64_t accumulate = cfg_.get_int("solver.accumulate_steps");
  bool finite = true;
  for (int64_t k = 0; k < accumulate; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<Batch> batch = train_loader_->next();
    step->data_seconds += seconds_since(t0);
    DC_CHECK(batch.has_value(), "trainer: the training loader ended");
    const std::map<std::string, Tensor> losses = task_->losses(batch_to(*batch, device_));
    DC_CHECK(!losses.empty(), "task ", cfg_.get_string("task"), ": no loss terms");
    Tensor total;
    for (const auto& [name, loss] : losses) {
      DC_CHECK(loss.numel() == 1, "task ", cfg_.get_string("task"), ": loss '", name, "' is ",
               loss.str(), ", expected a scalar");
      // The value is read on the host (one small copy per term from a device).
      const double value = loss.detach().to(kCPU).item<double>();
      step->losses[name] += value / static_cast<double>(accumulate);
      step->total += value / static_cast<double>(accumulate);
      finite = finite && std::isfinite(value);
      total = total.defined() ? add(total, loss) : loss;
    }
    // Several ranks: before the last backward (the one that all-reduces gradients), the ranks
    // agree on whether any loss was non-finite, so that all skip or all step.
    const bool last = k + 1 == accumulate;
    if (grad_sync_ && last) agree(step, &finite);
    // The remaining micro-batches are still drawn, so the data stream stays where an update would
    // have left it, but a non-finite loss is never backpropagated.
    if (!finite) continue;
    if (grad_sync_ && last) grad_sync_->begin();
    // With dynamic loss scaling the backward runs on the scaled loss (a power of two: exact).
    const double factor = (scaler_ ? scaler_->scale() : 1.0) / static_cast<double>(accumulate);
    (factor == 1.0 ? total : total * factor).backward();
    if (grad_sync_ && last) grad_sync_->end();
  }
  if (!finite) {
    optimizer_->zero_grad();
    return false;
  }
  if (scaler_) {
    // Found-inf is agreed by all ranks (their gradients are averaged already, but a rank must
    // never step alone), then the scale adapts identically everywhere.
    const double scale = scaler_->scale();
    bool found_inf = !grads_are_finite(params_);
    if (grad_sync_) {
      Tensor flag = empty({1}, DType::f64);
      flag.data<double>()[0] = found_inf ? 1 : 0;
      comm_->all_reduce(flag, CommReduce::max, "loss scaling found_inf");
      found_inf = flag.data<double>()[0] > 0;
    }
    if (!scaler_->update(found_inf)) {
      step->overflow = true;
      optimizer_->zero_grad();
      return false;
    }
    scale_grads(params_, 1.0 / scale);
  }
  const double clip = cfg_.get_double("solver.clip_grad_norm");
  if (clip > 0) clip_grad_norm(params_, clip);
  apply_schedule(*optimizer_, *schedule_, iteration);
  optimizer_->step();
  return true;
}

void Trainer::save(int64_t iterations_done) {
  // Every rank's default generator goes into the checkpoint (a collective: all ranks call save).
  std::vector<RngState> rank_rngs(1, rng_state(default_generator()));
  if (comm_->world_size() > 1) {
    // The checkpoint holds rank 0's buffers; every rank continues from those same values.
    broadcast_buffers();
    const RngState mine = rng_state(default_generator());
    Tensor t = empty({2}, DType::i64);
    t.data<int64_t>()[0] = static_cast<int64_t>(mine.seed);
    t.data<int64_t>()[1] = static_cast<int64_t>(mine.offset);
    const Tensor all = comm_->all_gather(t, "default generator state");
    rank_rngs.clear();
    for (int r = 0; r < comm_->world_size(); ++r) {
      rank_rngs.push_back({static_cast<uint64_t>(all.data<int64_t>()[2 * r]),
                           static_cast<uint64_t>(all.data<int64_t>()[2 * r + 1])});
    }
  }
  if (!is_main()) return;
  Checkpoint ckpt;
  ckpt.model = task_->model().state_dict();
  ckpt.optimizer = optimizer_->state_dict();
  if (scaler_) {
    ckpt.optimizer.scalars[kScalerScale] = scaler_->scale();
    ckpt.optimizer.scalars[kScalerGoodSteps] = static_cast<double>(scaler_->good_steps());
  }
  for (size_t r = 0; r < rank_rngs.size(); ++r) {
    ckpt.rng[default_rng_key(static_cast<int>(r))] = rank_rngs[r];
  }
  // The loader's whole state: its seed and the stream position (data/loader.h).
  ckpt.rng["loader"] =
      RngState{train_loader_->options().seed, static_cast<uint64_t>(train_loader_->position())};
  ckpt.iteration = iterations_done;
  ckpt.config_yaml = cfg_.to_yaml();
  save_checkpoint(checkpoint_path(run_dir_, iterations_done), ckpt);
  const int64_t keep = cfg_.get_int("solver.keep_checkpoints");
  if (keep == 0) return;
  const std::vector<std::pair<int64_t, std::string>> all = list_checkpoints(run_dir_);
  for (size_t i = 0; i + static_cast<size_t>(keep) < all.size(); ++i) {
    std::filesystem::remove(all[i].second);
  }
}

void Trainer::restore(const std::string& path, int64_t* iterations_done) {
  Checkpoint ckpt = load_checkpoint(path);
  // A run folder left by another config (another model or optimizer) fails here; say which file
  // and what to do, not just which tensor was missing.
  const auto mismatch = [&](const char* part, const Error& e) {
    return Error(detail::concat("checkpoint '", path, "': its ", part,
                                " state does not fit this config: ", e.what(),
                                "; resume with the config of the run that wrote it (kept in the "
                                "checkpoint and in the run folder's config.yaml), or choose "
                                "another out="));
  };
  try {
    task_->model().load_state_dict(ckpt.model);
  } catch (const Error& e) {
    throw mismatch("model", e);
  }
  // The loss scaler's state rides in the optimizer's scalars; the optimizer does not know it.
  const auto scale = ckpt.optimizer.scalars.find(kScalerScale);
  const auto good = ckpt.optimizer.scalars.find(kScalerGoodSteps);
  if (scaler_ && scale != ckpt.optimizer.scalars.end() && good != ckpt.optimizer.scalars.end()) {
    scaler_->set_state(scale->second, static_cast<int64_t>(good->second));
  }
  ckpt.optimizer.scalars.erase(kScalerScale);
  ckpt.optimizer.scalars.erase(kScalerGoodSteps);
  try {
    optimizer_->load_state_dict(ckpt.optimizer);
  } catch (const Error& e) {
    throw mismatch("optimizer", e);
  }
  for (const char* stream : {"default", "loader"}) {
    DC_CHECK(ckpt.rng.count(stream), "checkpoint '", path, "' has no RNG state '", stream, "'");
  }
  // The loader position counts per-rank batches, so only the same world size continues the run.
  int saved_world = 0;
  while (ckpt.rng.count(default_rng_key(saved_world))) ++saved_world;
  DC_CHECK(saved_world == comm_->world_size(), "checkpoint '", path, "' was written by a run on ",
           saved_world, " rank(s); this run has ", comm_->world_size(),
           ": resume with as many ranks as that run");
  const std::string own = default_rng_key(comm_->rank());
  set_rng_state(default_generator(), ckpt.rng.at(own));
  const RngState& loader = ckpt.rng.at("loader");
  DC_CHECK(loader.seed == train_loader_->options().seed, "checkpoint '", path,
           "' was written by a run with another seed (its loader seed ", loader.seed,
           ", this config's ", train_loader_->options().seed,
           "): resume with the config of that run");
  train_loader_->seek(static_cast<int64_t>(loader.offset));
  *iterations_done = ckpt.iteration;
}

TrainResult Trainer::train(bool resume) {
  namespace fs = std::filesystem;
  // Only rank 0 writes into the run folder (config.yaml, metrics.jsonl, checkpoints).
  if (is_main()) fs::create_directories(run_dir_);
  const std::optional<std::string> latest = latest_checkpoint(run_dir_);
  TrainResult result;
  if (resume) {
    DC_CHECK(latest.has_value(), "train --resume: the run folder '", run_dir_,
             "' has no checkpoint to resume from");
    restore(*latest, &result.iterations_done);
    if (is_main())
      log_ << "resumed from " << *latest << " at iteration " << result.iterations_done << "\n";
  } else {
    DC_CHECK(!latest.has_value(), "the run folder '", run_dir_, "' already has checkpoints (",
             *latest, "): pass --resume to continue that run, or choose another out=");
    const std::string weights = cfg_.get_string("model.weights");
    if (!weights.empty()) {
      load_model_weights(task_->model(), weights, cfg_.get_bool("model.allow_partial_weights"),
                         log_);
    }
    train_loader_->seek(0);
    // A fresh run starts a fresh log.
    if (is_main()) std::remove((run_dir_ + "/metrics.jsonl").c_str());
  }
  // Written only now, so that a resume refused above leaves the run's own config.yaml in place.
  if (is_main()) cfg_.save(run_dir_ + "/config.yaml");
  // Every rank starts from rank 0's parameters and buffers (its initialization, weights or
  // checkpoint), whatever it loaded itself.
  if (comm_->world_size() > 1) broadcast_state();
  std::optional<MetricsLog> metrics_log;
  if (is_main()) {
    metrics_log.emplace(run_dir_ + "/metrics.jsonl", resume ? result.iterations_done : -1);
  }
  auto write_metrics = [&](const std::string& type, int64_t iteration,
                           const std::map<std::string, double>& values) {
    if (metrics_log) metrics_log->write(type, iteration, values);
  };
  NullBuffer null_buffer;
  std::ostream null_stream(&null_buffer);
  std::ostream& out = is_main() ? log_ : null_stream;

  const int64_t max_iter = cfg_.get_int("solver.max_iter");
  const int64_t log_period = cfg_.get_int("log_period");
  const int64_t eval_period = cfg_.get_int("solver.eval_period");
  const int64_t checkpoint_period = cfg_.get_int("solver.checkpoint_period");
  const bool stop_on_nan = cfg_.get_string("solver.nan_policy") == "stop";
  out << "train: task " << cfg_.get_string("task") << ", model " << cfg_.get_string("model.name")
      << " (" << task_->model().num_parameters() << " parameters), data "
      << train_loader_->dataset().name() << " (" << train_loader_->dataset().size()
      << " samples), batch " << train_loader_->options().batch_size << ", " << num_threads()
      << " threads, iterations " << result.iterations_done << " -> " << max_iter << ", run folder "
      << run_dir_;
  if (!device_.is_cpu()) out << ", device " << device_.str();
  if (comm_->world_size() > 1) {
    out << ", " << comm_->world_size() << " ranks (" << comm_->backend_name() << ", global batch "
        << cfg_.get_int("data.batch_size") << ", gradient sync "
        << cfg_.get_string("dist.grad_sync") << ", " << grad_sync_->buckets().size() << " buckets"
        << (cfg_.get_bool("model.sync_bn") ? ", sync_bn" : "") << ")";
  }
  out << "\n";

  ProgressDisplay progress(out, interactive_, result.iterations_done, max_iter, log_period);
  SigintHandler sigint;
  task_->model().train();
  int64_t last_saved = resume ? result.iterations_done : -1;
  for (int64_t it = result.iterations_done; it < max_iter; ++it) {
    const auto t0 = std::chrono::steady_clock::now();
    const double comm_seconds0 = comm_->stats().seconds;
    Step step;
    const bool updated = run_iteration(it, &step);
    const int64_t done = it + 1;
    result.iterations_done = done;
    std::map<std::string, double> record = step.losses;
    record["loss"] = step.total;
    record["lr"] = optimizer_->lr(0);
    record["time_s"] = seconds_since(t0);
    record["data_time_s"] = step.data_seconds;
    if (comm_->world_size() > 1) {
      // Seconds inside collectives (on the communication thread too, so partly hidden behind
      // backward), and the part of them backward did not hide.
      record["comm_time_s"] = comm_->stats().seconds - comm_seconds0;
      record["comm_wait_s"] = grad_sync_->last_wait_seconds();
    }
    if (scaler_) record["loss_scale"] = scaler_->scale();
    if (step.overflow) {
      // Expected now and then with loss scaling (GradScaler skips silently): counted, not logged
      // as a failure.
      ++result.overflow_skips;
      if (done % log_period == 0 || done == max_iter) write_metrics("train", done, record);
    } else if (!updated) {
      DC_CHECK(!stop_on_nan, "iteration ", done, ": the loss is not finite (",
               format_values(step.losses),
               "); stopping as solver.nan_policy=stop asks. Lower "
               "solver.base_lr or add warmup, or set solver.nan_policy=skip. Last checkpoint: ",
               latest_checkpoint(run_dir_).value_or("none"));
      ++result.skipped;
      write_metrics("skip", done, record);
      progress.message("warning: iteration " + std::to_string(done) +
                       ": non-finite loss, update skipped (" + format_values(step.losses) + ")");
    } else if (done % log_period == 0 || done == max_iter) {
      write_metrics("train", done, record);
    }
    progress.update(done, step.losses, optimizer_->lr(0));
    if (test_set_ != nullptr && eval_period > 0 && done % eval_period == 0 && done != max_iter) {
      const std::map<std::string, double> m = evaluate();
      write_metrics("eval", done, m);
      progress.message("eval at iteration " + std::to_string(done) + ": " + format_values(m));
    }
    if (done % checkpoint_period == 0 || done == max_iter) {
      save(done);
      last_saved = done;
    }
    // Several ranks act on the flag they agreed on, so that all stop at the same iteration.
    if (comm_->world_size() > 1 ? step.interrupt : g_interrupt_requested.load()) {
      if (last_saved != done) save(done);
      progress.message("interrupted: checkpoint " + checkpoint_path(run_dir_, done) +
                       " written; continue with train --resume");
      result.interrupted = true;
      return result;
    }
  }
  progress.finish();
  if (test_set_ != nullptr) {
    result.metrics = evaluate();
    write_metrics("eval", result.iterations_done, result.metrics);
    out << "eval at iteration " << result.iterations_done << ": " << format_values(result.metrics)
        << "\n";
  }
  return result;
}

}  // namespace dc
