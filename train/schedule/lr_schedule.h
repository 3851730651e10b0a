// Learning-rate schedules as pure functions of the iteration (0-based), so a resumed run sets
// exactly the rates of an uninterrupted one: nothing is accumulated step by step.
//
//   lr(it) = warmup(it) * main(it, base_lr)
//
// main (base_lr is each group's initial_lr):
//   step       base_lr * gamma^floor(it / step_size)                         (torch StepLR)
//   multistep  base_lr * gamma^(number of milestones <= it)                  (torch MultiStepLR)
//   poly       base_lr * (1 - min(it, max_iter) / max_iter)^power            (torch PolynomialLR)
//   cosine     eta_min + (base_lr - eta_min) * (1 + cos(pi * min(it, max_iter) / max_iter)) / 2
//              (torch CosineAnnealingLR up to max_iter; held at eta_min after it)
// warmup (Detectron2's WarmupMultiStepLR / WarmupCosineLR / WarmupPolyLR), for it < warmup_iters:
//   linear     warmup_factor * (1 - a) + a, a = it / warmup_iters           (torch LinearLR)
//   constant   warmup_factor                                                 (torch ConstantLR)
//   none       1
// and 1 from warmup_iters on.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "train/optim/optimizer.h"

namespace dc {

enum class WarmupMethod { kNone, kLinear, kConstant };

struct WarmupOptions {
  WarmupMethod method = WarmupMethod::kNone;
  int64_t iters = 0;
  double factor = 0.001;
};

class LrSchedule {
 public:
  explicit LrSchedule(const WarmupOptions& warmup);
  virtual ~LrSchedule() = default;

  // The learning rate at iteration `iter` of a group whose base rate is base_lr.
  double lr(int64_t iter, double base_lr) const;
  // The warmup multiplier at `iter` (1 once warmup is over).
  double warmup_factor(int64_t iter) const;
  // The schedule without warmup.
  virtual double main_lr(int64_t iter, double base_lr) const = 0;

 private:
  WarmupOptions warmup_;
};

class StepLrSchedule : public LrSchedule {
 public:
  StepLrSchedule(int64_t step_size, double gamma, const WarmupOptions& warmup = {});
  double main_lr(int64_t iter, double base_lr) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

class MultiStepLrSchedule : public LrSchedule {
 public:
  // milestones: non-decreasing iterations (a repeated one applies gamma twice, as PyTorch).
  MultiStepLrSchedule(std::vector<int64_t> milestones, double gamma,
                      const WarmupOptions& warmup = {});
  double main_lr(int64_t iter, double base_lr) const override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

class PolyLrSchedule : public LrSchedule {
 public:
  PolyLrSchedule(int64_t max_iter, double power, const WarmupOptions& warmup = {});
  double main_lr(int64_t iter, double base_lr) const override;

 private:
  int64_t max_iter_;
  double power_;
};

class CosineLrSchedule : public LrSchedule {
 public:
  CosineLrSchedule(int64_t max_iter, double eta_min = 0, const WarmupOptions& warmup = {});
  double main_lr(int64_t iter, double base_lr) const override;

 private:
  int64_t max_iter_;
  double eta_min_;
};

// Options of make_schedule; each schedule reads the ones it needs.
struct ScheduleOptions {
  int64_t max_iter = 0;                  // poly, cosine
  int64_t step_size = 0;                 // step
  std::vector<int64_t> milestones;       // multistep
  double gamma = 0.1;                    // step, multistep
  double power = 0.9;                    // poly
  double eta_min = 0;                    // cosine
  std::string warmup_method = "linear";  // "linear", "constant" or "none"
  int64_t warmup_iters = 0;              // 0: no warmup
  double warmup_factor = 0.001;
};

// name: "step", "multistep", "poly" or "cosine" (Detectron2's "WarmupMultiStepLR",
// "WarmupCosineLR" and "WarmupPolyLR" are accepted as aliases). Throws dc::Error naming the valid
// names or the bad option.
std::unique_ptr<LrSchedule> make_schedule(const std::string& name, const ScheduleOptions& options);

// Sets every group's lr to schedule.lr(iter, group.initial_lr); call before the step of `iter`.
void apply_schedule(Optimizer& optimizer, const LrSchedule& schedule, int64_t iter);

}  // namespace dc
