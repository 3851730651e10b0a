#include "train/schedule/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace dc {
namespace {

constexpr double kPi = 3.14159265358979323846;

WarmupMethod warmup_method_from_name(const std::string& name) {
  if (name == "linear") return WarmupMethod::kLinear;
  if (name == "constant") return WarmupMethod::kConstant;
  if (name == "none") return WarmupMethod::kNone;
  DC_FAIL("make_schedule: unknown warmup_method '", name,
          "' (expected 'linear', 'constant' or 'none')");
}

void check_iter(int64_t iter, const char* what) {
  DC_CHECK(iter >= 0, what, ": iteration must be >= 0, got ", iter);
}

}  // namespace

LrSchedule::LrSchedule(const WarmupOptions& warmup) : warmup_(warmup) {
  DC_CHECK(warmup.iters >= 0, "lr schedule: warmup iters must be >= 0, got ", warmup.iters);
  DC_CHECK(warmup.method == WarmupMethod::kNone || (warmup.factor >= 0 && warmup.factor <= 1),
           "lr schedule: warmup factor must be in [0, 1], got ", warmup.factor);
}

double LrSchedule::warmup_factor(int64_t iter) const {
  check_iter(iter, "lr schedule");
  if (iter >= warmup_.iters) return 1;
  switch (warmup_.method) {
    case WarmupMethod::kNone:
      return 1;
    case WarmupMethod::kConstant:
      return warmup_.factor;
    case WarmupMethod::kLinear: {
      const double a = static_cast<double>(iter) / static_cast<double>(warmup_.iters);
      return warmup_.factor * (1 - a) + a;
    }
  }
  return 1;
}

double LrSchedule::lr(int64_t iter, double base_lr) const {
  return warmup_factor(iter) * main_lr(iter, base_lr);
}

StepLrSchedule::StepLrSchedule(int64_t step_size, double gamma, const WarmupOptions& warmup)
    : LrSchedule(warmup), step_size_(step_size), gamma_(gamma) {
  DC_CHECK(step_size > 0, "step schedule: step_size must be > 0, got ", step_size);
  DC_CHECK(gamma >= 0, "step schedule: gamma must be >= 0, got ", gamma);
}

double StepLrSchedule::main_lr(int64_t iter, double base_lr) const {
  check_iter(iter, "step schedule");
  return base_lr * std::pow(gamma_, static_cast<double>(iter / step_size_));
}

MultiStepLrSchedule::MultiStepLrSchedule(std::vector<int64_t> milestones, double gamma,
                                         const WarmupOptions& warmup)
    : LrSchedule(warmup), milestones_(std::move(milestones)), gamma_(gamma) {
  DC_CHECK(std::is_sorted(milestones_.begin(), milestones_.end()),
           "multistep schedule: milestones must be non-decreasing");
  DC_CHECK(milestones_.empty() || milestones_.front() > 0,
           "multistep schedule: milestones must be > 0, got ", milestones_.front());
  DC_CHECK(gamma >= 0, "multistep schedule: gamma must be >= 0, got ", gamma);
}

double MultiStepLrSchedule::main_lr(int64_t iter, double base_lr) const {
  check_iter(iter, "multistep schedule");
  const auto passed =
      std::upper_bound(milestones_.begin(), milestones_.end(), iter) - milestones_.begin();
  return base_lr * std::pow(gamma_, static_cast<double>(passed));
}

PolyLrSchedule::PolyLrSchedule(int64_t max_iter, double power, const WarmupOptions& warmup)
    : LrSchedule(warmup), max_iter_(max_iter), power_(power) {
  DC_CHECK(max_iter > 0, "poly schedule: max_iter must be > 0, got ", max_iter);
  DC_CHECK(power >= 0, "poly schedule: power must be >= 0, got ", power);
}

double PolyLrSchedule::main_lr(int64_t iter, double base_lr) const {
  check_iter(iter, "poly schedule");
  const double t = static_cast<double>(std::min(iter, max_iter_));
  return base_lr * std::pow(1 - t / static_cast<double>(max_iter_), power_);
}

CosineLrSchedule::CosineLrSchedule(int64_t max_iter, double eta_min, const WarmupOptions& warmup)
    : LrSchedule(warmup), max_iter_(max_iter), eta_min_(eta_min) {
  DC_CHECK(max_iter > 0, "cosine schedule: max_iter must be > 0, got ", max_iter);
  DC_CHECK(eta_min >= 0, "cosine schedule: eta_min must be >= 0, got ", eta_min);
}

double CosineLrSchedule::main_lr(int64_t iter, double base_lr) const {
  check_iter(iter, "cosine schedule");
  const double t = static_cast<double>(std::min(iter, max_iter_));
  return eta_min_ +
         (base_lr - eta_min_) * (1 + std::cos(kPi * t / static_cast<double>(max_iter_))) / 2;
}

std::unique_ptr<LrSchedule> make_schedule(const std::string& name, const ScheduleOptions& o) {
  WarmupOptions w;
  w.method = o.warmup_iters > 0 ? warmup_method_from_name(o.warmup_method) : WarmupMethod::kNone;
  w.iters = o.warmup_iters;
  w.factor = o.warmup_factor;
  if (name == "step") return std::make_unique<StepLrSchedule>(o.step_size, o.gamma, w);
  if (name == "multistep" || name == "WarmupMultiStepLR") {
    return std::make_unique<MultiStepLrSchedule>(o.milestones, o.gamma, w);
  }
  if (name == "poly" || name == "WarmupPolyLR") {
    return std::make_unique<PolyLrSchedule>(o.max_iter, o.power, w);
  }
  if (name == "cosine" || name == "WarmupCosineLR") {
    return std::make_unique<CosineLrSchedule>(o.max_iter, o.eta_min, w);
  }
  DC_FAIL("make_schedule: unknown schedule '", name,
          "' (expected 'step', 'multistep', 'poly' or 'cosine', or Detectron2's "
          "'WarmupMultiStepLR', 'WarmupCosineLR', 'WarmupPolyLR')");
}

void apply_schedule(Optimizer& optimizer, const LrSchedule& schedule, int64_t iter) {
  std::vector<ParamGroup>& groups = optimizer.param_groups();
  for (size_t g = 0; g < groups.size(); ++g) {
    optimizer.set_lr(g, schedule.lr(iter, *groups[g].initial_lr));
  }
}

}  // namespace dc
