// Cases of the fused optimizer updates (ops/optim_update.h). The updates are in place and have no
// gradient, so the oracle cases update clones of their inputs and return them, against one step of
// torch.optim over the same state; train/optim's tests cover whole runs. The perf case times one
// AdamW step of a 25M-element parameter, as scripts/bench_torch.py times torch's foreach AdamW.
#include <memory>

#include "ops/op_case.h"
#include "ops/optim_update.h"

namespace dc {
namespace {

using Ts = std::vector<Tensor>;

Ts clones(const Ts& x) {
  Ts out;
  for (const Tensor& t : x) out.push_back(t.clone());
  return out;
}

std::vector<OpCase> optim_update_cases() {
  std::vector<OpCase> cs;
  // x0 param, x1 grad, x2 momentum buffer from earlier steps.
  cs.push_back(make_case(
      "optim_update/sgd_nesterov_wd",
      {normal({7, 9}, false), normal({7, 9}, false), normal({7, 9}, false)},
      [](const Ts& x) {
        Ts c = clones(x);
        sgd_update_(c[0], c[1], c[2], 0.1, 0.9, 0.0, 1e-2, true, false);
        return Ts{c[0], c[2]};
      },
      "p = x0.clone(); opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, nesterov=True, "
      "weight_decay=1e-2)\n"
      "p.grad = x1.clone(); opt.state[p]['momentum_buffer'] = x2.clone(); opt.step()\n"
      "out = (p, opt.state[p]['momentum_buffer'])",
      kOracle));
  cs.push_back(make_case(
      "optim_update/sgd_first_step_dampening", {normal({5, 4}, false), normal({5, 4}, false)},
      [](const Ts& x) {
        Ts c = clones(x);
        Tensor buf = empty(c[0].sizes(), c[0].dtype());
        sgd_update_(c[0], c[1], buf, 0.05, 0.8, 0.5, 0.0, false, true);
        return Ts{c[0], buf};
      },
      "p = x0.clone(); opt = torch.optim.SGD([p], lr=0.05, momentum=0.8, dampening=0.5)\n"
      "p.grad = x1.clone(); opt.step(); out = (p, opt.state[p]['momentum_buffer'])",
      kOracle));
  // x0 param, x1 grad, x2 exp_avg, x3 exp_avg_sq, x4 max_exp_avg_sq; the state of step 3.
  const std::string adam_state =
      "opt.state[p] = {'step': torch.tensor(3.), 'exp_avg': x2.clone(), 'exp_avg_sq': "
      "x3.clone(), 'max_exp_avg_sq': x4.clone()}\n";
  for (bool decoupled : {false, true}) {
    for (bool amsgrad : {false, true}) {
      const std::string name =
          std::string(decoupled ? "adamw" : "adam") + (amsgrad ? "_amsgrad" : "") + "_wd";
      const std::string cls = decoupled ? "AdamW" : "Adam";
      const std::string ams = amsgrad ? "True" : "False";
      cs.push_back(make_case(
          "optim_update/" + name,
          {normal({6, 5}, false), normal({6, 5}, false), normal({6, 5}, false),
           positive({6, 5}, false), positive({6, 5}, false)},
          [decoupled, amsgrad](const Ts& x) {
            Ts c = clones(x);
            adam_update_(c[0], c[1], c[2], c[3], 4, 0.01, 0.9, 0.99, 1e-6, 0.05, decoupled,
                         amsgrad ? c[4] : Tensor());
            return Ts{c[0], c[2], c[3], amsgrad ? c[4] : x[4]};
          },
          "p = x0.clone()\nopt = torch.optim." + cls +
              "([p], lr=0.01, betas=(0.9, 0.99), eps=1e-6, weight_decay=0.05, amsgrad=" + ams +
              ")\n" + adam_state +
              "p.grad = x1.clone(); opt.step(); s = opt.state[p]\n"
              "out = (p, s['exp_avg'], s['exp_avg_sq'], s['max_exp_avg_sq'])",
          kOracle));
    }
  }
  // One AdamW step of a 25M-element parameter (the state is updated in place run after run).
  OpCase perf;
  perf.name = "adam_update_25M";
  const Shape s25{25 * 1000 * 1000};
  perf.inputs = {normal(s25, false), normal(s25, false), normal(s25, false), positive(s25, false)};
  auto step = std::make_shared<int64_t>(0);
  perf.run = [step](const Ts& x) {
    adam_update_(x[0], x[1], x[2], x[3], ++*step, 1e-3, 0.9, 0.999, 1e-8, 1e-2, true);
    return Ts{x[0]};
  };
  perf.torch = "torch.optim.AdamW([x0], foreach=True)";
  perf.modes = kPerf;
  cs.push_back(perf);
  return cs;
}

DC_OP_CASES(optim_update_cases());

}  // namespace
}  // namespace dc
