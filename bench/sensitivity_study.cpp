// sensitivity_study: HAWQ-style layer sensitivity checked against the measured loss, on a tanh MLP
// and a small CNN trained here on Fashion-MNIST (Debian's dataset-fashion-mnist), in double.
//
// For each model: the per-block λmax(H_ii), tr(H_ii), and per (block, width) ‖ΔW‖², Ω, the exact
// second-order prediction and the measured loss change of quantizing that block alone; the
// within-20% check of prediction against measurement at 8 and 4 bits (blocks whose measured change
// exceeds 1e-7); Spearman's rank correlation of each criterion with the measured change over all
// (block, width) pairs; mixed-precision allocations against the uniform width of the same size;
// the joint prediction (cross-block terms included) against the summed one; a Pareto sweep. See
// docs/algorithms.md ("Layer sensitivity and bit allocation") for the figures it printed.
//
//   sensitivity_study [--threads T] [--train N] [--analysis N] [--epochs E] [--cache DIR]
//
// Trained models are cached in DIR (default /tmp) as model files and loaded on the next run.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "analyzers/bit_allocation.h"
#include "analyzers/sensitivity.h"
#include "engine/arch.h"
#include "engine/objective.h"
#include "engine/trainer.h"
#include "io/idx_import.h"
#include "io/model_file.h"

namespace {

constexpr const char* kFashion = "/usr/share/datasets/fashion-mnist/";
// The check: prediction within 20% of measurement where the measurement exceeds 1e-7.
constexpr double kWithin = 0.2;
constexpr double kMeasurable = 1e-7;

struct Config {
  int threads = 1;
  int64_t train = 10000;    // training rows (the first N of the training set)
  int64_t analysis = 2000;  // analysis rows: the first N of the training rows
  int epochs = 10;
  std::string cache = "/tmp";
};

struct Study {
  const char* name;
  const char* spec;
  double lr;
};

hess::Dataset load(const std::string& images, const std::string& labels, int64_t n) {
  hess::ImportedData d =
      hess::import_idx(std::string(kFashion) + images, std::string(kFashion) + labels);
  const int64_t per = hess::numel(d.data.sample_shape);
  n = std::min(n, d.data.size());
  d.data.x.resize(n * per);
  d.data.labels.resize(n);
  for (float& v : d.data.x) v = static_cast<float>(v / d.default_scale);
  return d.data;
}

std::vector<int64_t> first(int64_t n) {
  std::vector<int64_t> r(n);
  for (int64_t i = 0; i < n; ++i) r[i] = i;
  return r;
}

hess::Model trained(const Study& s, const hess::Dataset& train, const Config& c) {
  const std::string path = c.cache + "/sensitivity_study_" + s.name + "_" +
                           std::to_string(c.train) + "_" + std::to_string(c.epochs) + ".h5";
  if (std::filesystem::exists(path)) {
    std::printf("loading %s\n", path.c_str());
    return hess::read_model(path);
  }
  hess::ArchOptions arch;
  arch.seed = 1;
  hess::Model m = hess::build_arch(s.spec, arch);
  hess::TrainOptions o;
  o.optimizer.kind = hess::OptimizerKind::Adam;
  o.optimizer.lr = s.lr;
  o.batch_size = 128;
  o.threads = c.threads;
  o.seed = 2;
  hess::Trainer t(m.graph, train, first(train.size()), o, hess::Precision::F64);
  t.set_parameters(m.theta);
  const int64_t steps = c.epochs * t.steps_per_epoch();
  t.run(steps, [&](const hess::TrainStep& st) {
    if (st.step % t.steps_per_epoch() == 0)
      std::printf("  %s epoch %lld: batch loss %.4f\n", s.name, static_cast<long long>(st.epoch),
                  st.loss);
    return true;
  });
  m.theta = t.parameters();
  hess::write_model(path, m);
  return m;
}

void print_allocation(const char* label, const hess::Allocation& a) {
  std::printf("  %-22s bits [", label);
  for (size_t i = 0; i < a.bits.size(); ++i) std::printf("%s%d", i ? " " : "", a.bits[i]);
  std::printf("]  avg %.3f  size %9.1f B  summed %+.4e  joint %+.4e  measured %+.4e\n",
              a.average_bits, a.size_bytes, a.predicted_dloss, a.predicted_dloss_joint,
              a.measured_dloss);
}

void run_study(const Study& s, const hess::Dataset& train, const Config& c) {
  std::printf("\n=== %s (%s), double ===\n", s.name, s.spec);
  const hess::Model m = trained(s, train, c);
  hess::ObjectiveOptions oo;
  oo.batch_size = 50;  // a 16-column product keeps ~32 copies of a batch's activations
  oo.threads = c.threads;
  auto obj = hess::make_objective(m.graph, train, first(std::min(c.analysis, train.size())), oo,
                                  hess::Precision::F64);
  obj->set_parameters(m.theta);
  const hess::Evaluation e0 = obj->value();
  std::printf("P = %lld, analysis set %lld samples: loss %.5f, accuracy %.4f\n",
              static_cast<long long>(obj->num_params()), static_cast<long long>(obj->num_samples()),
              e0.loss, e0.accuracy);

  hess::SensitivityOptions so;  // bits 2,3,4,8 per channel
  const hess::SensitivityResult r = hess::run(so, *obj);
  std::printf("sensitivity: %lld HVPs, %lld passes, %.1f s, status %s %s; |g| = %.3e\n",
              static_cast<long long>(r.hvps), static_cast<long long>(r.passes), r.seconds,
              std::string(hess::name_of(r.status)).c_str(), r.message.c_str(), r.gradient_norm);

  std::printf("\n  %-14s %7s %11s %11s %11s %9s %11s\n", "block", "n", "lambda_max", "lambda/n",
              "trace", "stderr", "trace/n");
  for (const hess::BlockSensitivity& b : r.blocks) {
    std::printf("  %-14s %7lld %11.4e %11.4e %11.4e %9.2e %11.4e\n", b.name.c_str(),
                static_cast<long long>(b.params), b.lambda_max,
                b.lambda_max / static_cast<double>(b.params), b.trace, b.trace_stderr,
                b.trace / static_cast<double>(b.params));
  }
  std::printf("\n  %-14s %4s %11s %11s %12s %12s %12s %8s %s\n", "block", "bits", "|dW|^2", "omega",
              "g.dW", "predicted", "measured", "pred/meas", "");
  int checked = 0, within = 0;
  std::vector<double> measured, predicted, omega, lam_w, trace_w, lam, tr, pert;
  for (size_t i = 0; i < r.blocks.size(); ++i) {
    const hess::BlockSensitivity& b = r.blocks[i];
    for (size_t w = 0; w < r.bits.size(); ++w) {
      const double meas = b.measured_dloss[w], pred = b.predicted_dloss[w];
      std::string mark;
      if ((r.bits[w] == 8 || r.bits[w] == 4) && std::abs(meas) > kMeasurable) {
        ++checked;
        const bool ok = std::abs(pred - meas) <= kWithin * std::abs(meas);
        within += ok;
        mark = ok ? "within 20%" : "OUTSIDE 20%";
      }
      std::printf("  %-14s %4d %11.4e %11.4e %+12.4e %+12.4e %+12.4e %8.4f %s\n", b.name.c_str(),
                  r.bits[w], b.perturbation[w], b.omega[w], b.gradient_dloss[w], pred, meas,
                  pred / meas, mark.c_str());
      measured.push_back(meas);
      predicted.push_back(pred);
      omega.push_back(b.omega[w]);
      lam_w.push_back(hess::allocation_cost(r, hess::SensitivityCriterion::Lambda, i, w));
      lam.push_back(b.lambda_max / static_cast<double>(b.params));
      tr.push_back(b.trace / static_cast<double>(b.params));
      pert.push_back(b.perturbation[w]);
    }
  }
  std::printf("\n  within 20%% at 8 and 4 bits (|measured| > 1e-7): %d of %d\n", within, checked);
  std::printf("  Spearman vs measured over %zu (block, width) pairs:\n", measured.size());
  std::printf("    lambda/n (block score)      %+.4f\n", hess::spearman(lam, measured));
  std::printf("    trace/n (block score)       %+.4f\n", hess::spearman(tr, measured));
  std::printf("    |dW|^2                      %+.4f\n", hess::spearman(pert, measured));
  std::printf("    lambda/n |dW|^2             %+.4f\n", hess::spearman(lam_w, measured));
  std::printf("    omega = trace/n |dW|^2      %+.4f\n", hess::spearman(omega, measured));
  std::printf("    predicted                   %+.4f\n", hess::spearman(predicted, measured));

  std::printf("\n  allocation (criterion) vs uniform of the same size:\n");
  for (int avg : {2, 3, 4}) {
    const std::vector<int> uni(r.blocks.size(), avg);
    char label[64];
    std::snprintf(label, sizeof label, "uniform %d", avg);
    const hess::Allocation u = hess::evaluate_allocation(r, uni, *obj);
    print_allocation(label, u);
    for (hess::SensitivityCriterion crit :
         {hess::SensitivityCriterion::Predicted, hess::SensitivityCriterion::Omega}) {
      hess::AllocationOptions ao;
      ao.budget = "avg-bits=" + std::to_string(avg);
      ao.criterion = crit;
      const hess::Allocation a = *hess::allocate(ao, r, *obj).allocation;
      std::snprintf(label, sizeof label, "avg-bits=%d %s", avg,
                    std::string(hess::name_of(crit)).c_str());
      print_allocation(label, a);
      std::printf(
          "  %-22s measured %s uniform's; |joint − measured| %.3e vs |summed − measured| "
          "%.3e\n",
          "", a.measured_dloss <= u.measured_dloss ? "≤" : "> (WORSE than)",
          std::abs(a.predicted_dloss_joint - a.measured_dloss),
          std::abs(a.predicted_dloss - a.measured_dloss));
    }
  }
  for (const char* budget : {"avg-bits=2.5", "avg-bits=3.5"}) {
    hess::AllocationOptions ao;
    ao.budget = budget;
    print_allocation(budget, *hess::allocate(ao, r, *obj).allocation);
  }
  hess::AllocationOptions po;
  po.pareto_points = 9;
  const hess::AllocationResult pr = hess::allocate(po, r, *obj);
  std::printf("\n  Pareto sweep (criterion predicted), %.1f s:\n", pr.seconds);
  for (const hess::Allocation& a : pr.pareto) print_allocation("", a);
  double sum_err = 0.0, joint_err = 0.0;
  for (const hess::Allocation& a : pr.pareto) {
    sum_err += std::abs(a.predicted_dloss - a.measured_dloss);
    joint_err += std::abs(a.predicted_dloss_joint - a.measured_dloss);
  }
  std::printf("  mean |summed − measured| %.4e, mean |joint − measured| %.4e over the sweep\n",
              sum_err / pr.pareto.size(), joint_err / pr.pareto.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when piped
  Config c;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--threads")
      c.threads = std::atoi(v.c_str());
    else if (a == "--train")
      c.train = std::atoll(v.c_str());
    else if (a == "--analysis")
      c.analysis = std::atoll(v.c_str());
    else if (a == "--epochs")
      c.epochs = std::atoi(v.c_str());
    else if (a == "--cache")
      c.cache = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (!std::filesystem::exists(std::string(kFashion) + "train-images-idx3-ubyte.gz")) {
    std::fprintf(stderr, "dataset-fashion-mnist is not installed (scripts/setup.sh installs it)\n");
    return 1;
  }
  const hess::Dataset train =
      load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", c.train);
  const Study studies[] = {{"mlp", "mlp:1x28x28-64-32-10:tanh", 1e-3},
                           {"cnn", "cnn:1x28x28-c8k3-pool2-c16k3-pool2-10:tanh", 2e-3}};
  for (const Study& s : studies) run_study(s, train, c);
  return 0;
}
