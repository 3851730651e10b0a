#include "train/config/known_keys.h"

#include <cctype>

namespace dc {
namespace {

// "cpu", "cuda" (the first GPU) or "cuda:N".
ConfigConstraint device_string() {
  ConfigConstraint c;
  c.text = "cpu, cuda or cuda:N";
  c.validate = [](const ConfigValue& v) {
    const auto* s = std::get_if<std::string>(&v);
    if (s == nullptr) return false;
    if (*s == "cpu" || *s == "cuda") return true;
    if (s->size() <= 5 || s->compare(0, 5, "cuda:") != 0) return false;
    for (size_t i = 5; i < s->size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>((*s)[i]))) return false;
    }
    return true;
  };
  return c;
}

}  // namespace

void add_run_keys(ConfigSchema& s) {
  s.add_int("seed", 0, "seed of every random stream of the run (model init, data, augmentation)");
  s.add_string("out", "output", "run folder: config, metrics, checkpoints and pictures go here");
  s.add_string("device", "cpu", "where the run computes", device_string());
  s.add_int("threads", 0, "CPU threads of the compute pool; 0: all cores (or DC_NUM_THREADS)",
            at_least(0));
  s.add_string("task", "", "what the run trains and evaluates (a registered task: classify, ...)");
  s.add_int("log_period", 20,
            "iterations between metric lines (and progress lines when not on a terminal)",
            at_least(1));
}

void add_solver_keys(ConfigSchema& s) {
  s.add_int("solver.max_iter", 40000, "number of training iterations", at_least(1));
  s.add_double("solver.base_lr", 0.001, "learning rate after warmup, before decay", at_least(0));
  s.add_double("solver.momentum", 0.9, "SGD momentum; Adam's beta1", in_range(0, 1));
  s.add_bool("solver.nesterov", false, "Nesterov momentum (SGD)");
  s.add_double("solver.beta2", 0.999, "Adam's and AdamW's beta2", in_range(0, 1));
  s.add_double("solver.weight_decay", 0.0001, "L2 weight decay of weights", at_least(0));
  s.add_double("solver.weight_decay_norm", 0.0,
               "weight decay of normalization layers' scales and shifts", at_least(0));
  s.add_double("solver.weight_decay_bias", 0.0001, "weight decay of biases", at_least(0));
  s.add_string("solver.optimizer", "sgd", "optimizer", one_of({"sgd", "adam", "adamw"}));
  s.add_string("solver.lr_schedule", "multistep",
               "LR decay after warmup (step: times gamma every steps[0] iterations; multistep: "
               "at each of steps; poly; cosine)",
               one_of({"step", "multistep", "poly", "cosine"}));
  s.add_double("solver.gamma", 0.1, "decay factor of the step and multistep schedules",
               in_range(0, 1));
  s.add_ints("solver.steps", {30000}, "iterations where step/multistep decay the learning rate",
             at_least(1));
  s.add_double("solver.poly_power", 0.9, "exponent of the poly schedule", at_least(0));
  s.add_int("solver.warmup_iters", 1000, "iterations of warmup; 0: none", at_least(0));
  s.add_double("solver.warmup_factor", 0.001, "learning-rate multiplier at iteration 0",
               in_range(0, 1));
  s.add_string("solver.warmup_method", "linear",
               "warmup ramp: linear (from warmup_factor to 1) or constant (warmup_factor)",
               one_of({"linear", "constant"}));
  s.add_double("solver.clip_grad_norm", 0.0, "clip the global gradient L2 norm to this; 0: off",
               at_least(0));
  s.add_int("solver.accumulate_steps", 1, "batches whose gradients are summed before each step",
            at_least(1));
  s.add_int("solver.checkpoint_period", 5000, "checkpoint every N iterations (and at the end)",
            at_least(1));
  s.add_int("solver.keep_checkpoints", 0,
            "keep only the N most recent checkpoints of the run folder; 0: keep all", at_least(0));
  s.add_int("solver.eval_period", 0, "evaluate every N iterations; 0: only at the end",
            at_least(0));
  s.add_string("solver.loss_scale", "none",
               "none; dynamic: backward on loss * scale, skip steps whose gradients overflow (as "
               "torch.cuda.amp.GradScaler)",
               one_of({"none", "dynamic"}));
  s.add_double("solver.loss_scale_init", 65536, "dynamic loss scaling: the initial scale",
               at_least(1e-30));
  s.add_double("solver.loss_scale_growth", 2, "dynamic loss scaling: factor after good steps",
               at_least(1.000001));
  s.add_double("solver.loss_scale_backoff", 0.5, "dynamic loss scaling: factor after an overflow",
               in_range(1e-6, 0.999999));
  s.add_int("solver.loss_scale_growth_interval", 2000,
            "dynamic loss scaling: consecutive good steps before the scale grows", at_least(1));
  s.add_string("solver.nan_policy", "stop",
               "on a NaN/Inf loss: skip the step, or stop the run with an error",
               one_of({"skip", "stop"}));
}

void add_model_keys(ConfigSchema& s) {
  s.add_string("model.name", "", "registered model to build (set by every system config)");
  s.add_string("model.weights", "", "checkpoint or converted weights to start from; '': none");
  s.add_int("model.num_classes", 1000,
            "output classes of a classifier (ResNet/VGG fc, Hourglass heatmaps); 0 for a ResNet: "
            "features only",
            at_least(0));
  s.add_bool("model.allow_partial_weights", false,
             "accept weights that miss some parameters or have extra ones (fine-tuning)");
  s.add_bool("model.sync_bn", false,
             "with several ranks, BatchNorm2d uses the statistics of the global batch");
}

void add_dist_keys(ConfigSchema& s) {
  s.add_int("dist.timeout_s", 600,
            "seconds a collective may wait for the other ranks before the job is aborted",
            at_least(1));
  s.add_double("dist.bucket_mb", 25, "size of the gradient all-reduce buckets, in MiB",
               at_least(0.001));
  s.add_string("dist.grad_sync", "overlap",
               "overlap: all-reduce gradient buckets during backward; after_backward: one "
               "bucketed all-reduce after backward",
               one_of({"overlap", "after_backward"}));
  s.add_string("dist.backend", "auto",
               "auto: nccl for a model on CUDA when the build has NCCL, else mpi; mpi: MPI "
               "(CPU tensors); nccl: NCCL (CUDA tensors, one rank per GPU)",
               one_of({"auto", "mpi", "nccl"}));
}

void add_data_keys(ConfigSchema& s) {
  s.add_string("data.train.name", "", "registered training dataset");
  s.add_string("data.test.name", "", "registered evaluation dataset");
  s.add_int("data.train.num_samples", 0,
            "samples in the training set of a generated dataset; 0: the dataset's default",
            at_least(0));
  s.add_int("data.test.num_samples", 0,
            "samples in the evaluation set of a generated dataset; 0: the dataset's default",
            at_least(0));
  s.add_int("data.image_size", 128, "side of the square images a dataset produces (or crops)",
            at_least(1));
  s.add_int("data.batch_size", 16, "images per training batch (over all ranks)", at_least(1));
  s.add_int("data.num_workers", 4, "data-loader worker threads; 0: load in the training thread",
            at_least(0));
  s.add_bool("data.pin_memory", true,
             "with a CUDA device: loader threads put batches in pinned host memory, copied to the "
             "GPU asynchronously; ignored on the CPU");
}

void add_densereg_keys(ConfigSchema& s) {
  s.add_int("densereg.num_bins", 10, "K: quantization bins of U and of V (1: plain regression)",
            at_least(1));
  s.add_string("densereg.mode", "qr",
               "qr: bins + residuals; q: bins only (bin centres); r: residuals only (evaluated "
               "with the ground-truth bins)",
               one_of({"qr", "q", "r"}));
  s.add_string("densereg.decode", "hard",
               "qr estimate: hard (argmax bin + its residual) or soft (softmax mixture over bins)",
               one_of({"hard", "soft"}));
  s.add_double("densereg.residual_weight", 40.0,
               "weight of each residual loss (the thesis: 40 for K=10, 70 for K=1)", at_least(0));
  s.add_double("densereg.smooth_l1_beta", 1.0, "smooth L1 beta of the residual loss (0: L1)",
               at_least(0));
  s.add_int("densereg.trunk_stages", 4,
            "ResNet trunk stages used: 4 (up to layer4, the thesis) or 3 (up to layer3: cheaper)",
            in_range(3, 4));
  s.add_bool("densereg.depth_head", false, "add the 1-channel relative-depth regressor");
  s.add_double("densereg.depth_weight", 1.0, "weight of the depth L1 loss", at_least(0));
  s.add_int("data.synth_faces.supersample", 2,
            "synth_faces: RGB anti-aliasing sub-samples per pixel side (1 to 8)", in_range(1, 8));
  s.add_doubles("data.synth_faces.scales", {0.5, 0.75, 1.0, 1.25, 1.5},
                "synth_faces train split: random scale factors (then a crop to data.image_size)",
                at_least(0.01));
  s.add_bool("data.synth_faces.flip", true,
             "synth_faces train split: random horizontal flips (parts, landmarks, U mirrored)");
  s.add_int("data.synth_faces.test_seed", 1,
            "synth_faces test split: seed of the held-out faces (the same for every run seed)",
            at_least(0));
}

std::shared_ptr<const ConfigSchema> default_schema() {
  static const std::shared_ptr<const ConfigSchema> schema = [] {
    auto s = std::make_shared<ConfigSchema>();
    add_run_keys(*s);
    add_solver_keys(*s);
    add_model_keys(*s);
    add_data_keys(*s);
    add_densereg_keys(*s);
    add_dist_keys(*s);
    return s;
  }();
  return schema;
}

}  // namespace dc
