// eos_study: the edge of stability on real data (issue 13). An MLP mlp:784-100-100-10:tanh with
// the MSE loss trained by full-batch gradient descent (and heavy-ball momentum, β = 0.9) on the
// first 1,000 Fashion-MNIST training images (Debian's dataset-fashion-mnist), with η chosen so
// that the threshold is `--margin` (2.5) times the sharpness at initialization. Every `--every`
// steps: λ₁ of the training-loss Hessian by warm-started Lanczos (analyzers/eos.h), the threshold,
// the ratio, the loss, the gradient overlap and the self-stabilization α, β; then the derived
// quantities of the series. Prints the series and the total products of the warm-started
// measurements against cold ones at the same points.
//
//   nice -n 10 build/bench/eos_study [--steps 3000] [--every 50] [--threads 2]
//                                    [--optimizer gd|momentum|both] [--cold-check 5] [--ncv 0]

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "analyzers/eos.h"
#include "analyzers/stability_threshold.h"
#include "engine/arch.h"
#include "engine/blas_threads.h"
#include "engine/trainer.h"
#include "io/idx_import.h"

namespace {

constexpr const char* kImages = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
constexpr const char* kLabels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
constexpr const char* kArch = "mlp:784-100-100-10:tanh";
constexpr int64_t kSamples = 1000;
constexpr uint64_t kModelSeed = 0;
constexpr double kMomentum = 0.9;

struct Args {
  int64_t steps = 3000;
  int64_t every = 50;
  int threads = 2;
  double margin = 2.5;  // threshold / λ₁(θ₀)
  std::string optimizer = "both";
  int cold_check = 5;  // measurements also done cold, to compare products
  int ncv = 0;         // Lanczos Krylov dimension (0: EosOptions' default)
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument("missing value after " + k);
    const std::string v = argv[++i];
    if (k == "--steps") {
      a.steps = std::stoll(v);
    } else if (k == "--every") {
      a.every = std::stoll(v);
    } else if (k == "--threads") {
      a.threads = std::stoi(v);
    } else if (k == "--margin") {
      a.margin = std::stod(v);
    } else if (k == "--optimizer") {
      a.optimizer = v;
    } else if (k == "--ncv") {
      a.ncv = std::stoi(v);
    } else if (k == "--cold-check") {
      a.cold_check = std::stoi(v);
    } else {
      throw std::invalid_argument("unknown option " + k);
    }
  }
  return a;
}

hess::Dataset load_data() {
  hess::ImportedData d = hess::import_idx(kImages, kLabels);
  hess::Dataset& all = d.data;
  const int64_t per = hess::numel(all.sample_shape);
  hess::Dataset out;
  out.sample_shape = all.sample_shape;
  out.x.assign(all.x.begin(), all.x.begin() + kSamples * per);
  for (float& x : out.x) x = static_cast<float>(x / d.default_scale);
  out.labels.assign(all.labels.begin(), all.labels.begin() + kSamples);
  return out;
}

void run_study(const Args& args, const hess::Dataset& data, hess::OptimizerKind kind) {
  hess::ArchOptions ao;
  ao.loss = hess::LossKind::Mse;
  ao.seed = kModelSeed;
  ao.sample_shape = data.sample_shape;
  const hess::Model model = hess::build_arch(kArch, ao);
  std::vector<int64_t> rows(kSamples);
  for (int64_t i = 0; i < kSamples; ++i) rows[i] = i;

  // The analysis objective: the full-batch training loss.
  hess::ObjectiveOptions oo;
  oo.threads = args.threads;
  oo.batch_size = (kSamples + args.threads - 1) / args.threads;
  auto analysis = hess::make_objective(model.graph, data, rows, oo, hess::Precision::F64);

  hess::EosOptions eo;
  eo.ncv = args.ncv;
  hess::OptimizerOptions opt;
  opt.kind = kind;
  opt.momentum = kMomentum;
  opt.lr = 1.0;  // placeholder for the first measurement; η follows from λ₁(θ₀)
  const hess::EosMeasurement m0 = hess::measure(eo, *analysis, model.theta, opt, {});
  opt.lr = 1.0;
  opt.lr = hess::stability_threshold(opt) / (args.margin * m0.eigenvalues(0));
  std::printf("\n== %s: %s, mse, full-batch, %lld Fashion-MNIST training images, P = %lld\n",
              std::string(hess::name_of(kind)).c_str(), kArch, static_cast<long long>(kSamples),
              static_cast<long long>(model.graph.num_params()));
  std::printf("lambda_1(theta_0) = %.6g; lr = %.6g so that %s = %.6g = %.2f x lambda_1(theta_0)\n",
              m0.eigenvalues(0), opt.lr, hess::threshold_rule(kind).c_str(),
              hess::stability_threshold(opt), args.margin);

  hess::TrainOptions to;
  to.optimizer = opt;
  to.threads = args.threads;
  to.eval_batch_size = oo.batch_size;
  hess::Trainer trainer(model.graph, data, rows, to, hess::Precision::F64);
  trainer.set_parameters(model.theta);

  hess::EosTracker tracker(eo, *analysis);
  int64_t warm_products = 0, cold_products = 0;
  int compared = 0;
  double worst_gap = 0.0;  // max |λ₁ warm − λ₁ cold| / λ₁ cold over the compared points
  std::printf("%7s %11s %11s %8s %12s %8s %11s %11s %6s\n", "step", "lambda_1", "threshold",
              "ratio", "loss", "overlap", "alpha", "beta", "hvps");
  const auto record = [&]() {
    const hess::EosMeasurement m = tracker.measure(trainer.parameters(), trainer.optimizer());
    std::printf("%7lld %11.5g %11.5g %8.4f %12.6g %8.4f %11.4g %11.4g %6lld%s\n",
                static_cast<long long>(m.step), m.eigenvalues(0), m.threshold, m.ratio(), m.loss,
                m.grad_overlap, m.alpha, m.beta, static_cast<long long>(m.hvps),
                m.status == hess::Status::Ok ? "" : (" " + m.message).c_str());
    std::fflush(stdout);
    if (m.warm && compared < args.cold_check) {
      const hess::EosMeasurement cold =
          hess::measure(eo, *analysis, trainer.parameters(), opt, trainer.optimizer().state());
      worst_gap = std::max(worst_gap, std::abs(m.eigenvalues(0) - cold.eigenvalues(0)) /
                                          std::abs(cold.eigenvalues(0)));
      if (std::abs(m.eigenvalues(0) - cold.eigenvalues(0)) > 1e-6 * std::abs(cold.eigenvalues(0)))
        std::printf("        cold start at step %lld: lambda_1 = %.8g (warm %.8g)\n",
                    static_cast<long long>(m.step), cold.eigenvalues(0), m.eigenvalues(0));
      warm_products += m.eigen_hvps;
      cold_products += cold.eigen_hvps;
      ++compared;
    }
  };
  record();
  trainer.run(args.steps, [&](const hess::TrainStep& s) {
    if (hess::sharpness_due(s.step, args.every, args.steps)) record();
    return true;
  });

  const hess::EosSummary d = hess::derive(tracker.series());
  std::printf(
      "derived: onset_step %s, sharpening_rate %.4g per step, eos_fraction %.3f "
      "(%lld measurements from onset on), median ratio after onset %.4f, max_ratio %.4f, "
      "loss increases after onset %lld\n",
      d.onset_step ? std::to_string(*d.onset_step).c_str() : "null", d.sharpening_rate,
      d.eos_fraction, static_cast<long long>(d.measurements_after_onset),
      d.median_ratio_after_onset, d.max_ratio,
      static_cast<long long>(d.loss_increases_after_onset));
  std::printf(
      "products: %lld in all (%lld measurements); at %d warm-started points %lld "
      "eigensolver products, cold at the same points %lld; largest relative difference of "
      "lambda_1 %.2g\n",
      static_cast<long long>(tracker.total_hvps()), static_cast<long long>(tracker.series().size()),
      compared, static_cast<long long>(warm_products), static_cast<long long>(cold_products),
      worst_gap);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Args args = parse(argc, argv);
    hess::set_blas_threads(1);
    const hess::Dataset data = load_data();
    if (args.optimizer == "gd" || args.optimizer == "both") {
      run_study(args, data, hess::OptimizerKind::GD);
    }
    if (args.optimizer == "momentum" || args.optimizer == "both") {
      run_study(args, data, hess::OptimizerKind::Momentum);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "eos_study: %s\n", e.what());
    return 1;
  }
}
