#include "runs/density_run.h"

#include <algorithm>
#include <limits>

#include "engine/number_format.h"
#include "runs/observed_operator.h"

namespace hess::runs {

namespace {
constexpr int kMassDigits = 4;
constexpr int kMassErrorDigits = 2;
}  // namespace

Record describe_density(const DensityOptions& o, const DensityResult& r) {
  Record rec;
  rec.add("grid", std::vector<double>(r.grid.begin(), r.grid.end()));
  rec.add("density", std::vector<double>(r.density.begin(), r.density.end()));
  const int64_t runs = static_cast<int64_t>(r.nodes.size());
  int64_t width = 0;
  for (const Eigen::VectorXd& n : r.nodes) width = std::max<int64_t>(width, n.size());
  Matrix nodes{{runs, width},
               std::vector<double>(runs * width, std::numeric_limits<double>::quiet_NaN())};
  Matrix weights = nodes;
  for (int64_t i = 0; i < runs; ++i) {
    std::copy(r.nodes[i].begin(), r.nodes[i].end(), nodes.values.begin() + i * width);
    std::copy(r.weights[i].begin(), r.weights[i].end(), weights.values.begin() + i * width);
  }
  rec.add("nodes", std::move(nodes));
  rec.add("weights", std::move(weights));
  rec.add("steps", std::vector<int64_t>(r.steps.begin(), r.steps.end())).only(kDataset);
  rec.add("runs", o.runs).only(kAttr);
  rec.add("lambda_min", r.lambda_min).show("lambda_min (smallest node)");
  rec.add("lambda_max", r.lambda_max).show("lambda_max (largest node)");
  rec.add("max_over_min", r.max_over_min).show("lambda_max / |lambda_min|", 4);
  rec.add("negative_mass_beyond", r.negative_mass_beyond)
      .show("negative mass below -" + significant(o.negative_threshold, 3) + " lambda_max",
            kMassDigits, "± " + significant(r.negative_mass_beyond_std_error, kMassErrorDigits));
  rec.add("negative_mass_beyond_stderr", r.negative_mass_beyond_std_error);
  rec.add("negative_mass_below_zero", r.negative_mass)
      .show("negative mass below 0 (raw)", kMassDigits,
            "± " + significant(r.negative_mass_std_error, kMassErrorDigits));
  rec.add("negative_mass_below_zero_stderr", r.negative_mass_std_error);
  rec.add("negative_threshold", o.negative_threshold);
  rec.add("lla_re", r.lla_re);
  rec.add("lla_kh", r.lla_kh).show("Kh_" + significant(o.kh_power, 3) + " (LLA)", 4);
  rec.add("kh_power", o.kh_power).only(kAttr);
  rec.add("kernel_sigma", r.sigma).show("smoothing sigma", 4);
  rec.add("kernel_sigma_relative", o.sigma).only(kAttr);
  rec.add("integral", r.integral).show("integral of the density", 10);
  rec.add("mass_outside", r.mass_outside).only(kAttr);
  describe_status(rec, r.status, r.message);
  return rec;
}

DensityResult density_on(const DensityOptions& o, const CurvatureTarget& target,
                         Observer& observer) {
  const int64_t expected =
      static_cast<int64_t>(o.runs) * std::min<int64_t>(o.steps, target.op().rows());
  const ObservedOperator op(target.op(), observer, expected);
  DensityResult r = hess::run(o, op);
  observer.finished();
  return r;
}

Record density(const DensityRun& run, Observer& observer) {
  DensityOptions d = run.density;
  d.seed = run.inputs.seed;
  d.validate();
  auto ws = open_workspace(run.inputs, observer);
  d.block = ws->columns(d.block, run.block_chosen, "block");
  const CurvatureTarget target(*ws, run.target);
  ResultFile rf(run.output.out);
  const DensityResult r = density_on(d, target, observer);
  fail_if_non_finite("density", r.status, r.message);
  Record rec = describe_density(d, r);
  commit_target_group(rf, "density", rec, target, *ws, run.output.command_line, r.hvps, r.seconds);
  describe_run(rec, *ws, run.output, r.hvps, r.seconds);
  rec.add("target", target.summary()).only(0).head("target");
  rec.footer = "slq: " + std::to_string(r.nodes.size()) + " runs of " + std::to_string(d.steps) +
               " steps, " + std::to_string(r.hvps) + " HVPs, " + significant(r.seconds, 4) + " s";
  return rec;
}

}  // namespace hess::runs
