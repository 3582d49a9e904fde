#include "runs/sharpness_run.h"

#include <algorithm>
#include <cmath>

#include "engine/number_format.h"
#include "runs/observed_objective.h"

namespace hess::runs {

namespace {

constexpr int kErrorDigits = 3;
// Lanczos products for one eigenvalue, roughly (the progress line's estimate only).
constexpr int64_t kLanczosPassesPerEigenvalue = 40;

bool wants(const SharpnessOptions& o, SharpnessMeasure m) {
  return std::find(o.measures.begin(), o.measures.end(), m) != o.measures.end();
}

// About how many passes the measures take, for the ETA.
int64_t expected_passes(const SharpnessOptions& o) {
  int64_t n = 1;
  if (wants(o, SharpnessMeasure::LambdaMax) || wants(o, SharpnessMeasure::Overlap))
    n += kLanczosPassesPerEigenvalue * o.k + 1;
  if (wants(o, SharpnessMeasure::Trace)) n += o.trace_products;
  if (wants(o, SharpnessMeasure::Frobenius)) n += o.frobenius_probes;
  if (wants(o, SharpnessMeasure::Average)) n += o.draws;
  const int64_t ascent = static_cast<int64_t>(o.restarts) * (o.steps + 1);
  if (wants(o, SharpnessMeasure::Worst)) n += ascent;
  if (wants(o, SharpnessMeasure::Keskar)) n += ascent;
  return n;
}

}  // namespace

std::string measure_key(SharpnessMeasure m) {
  return m == SharpnessMeasure::Frobenius ? "frobenius_norm" : std::string(name_of(m));
}

Record describe_sharpness(const SharpnessOptions& o, const SharpnessResult& r) {
  Record rec;
  std::vector<std::string> names;
  for (SharpnessMeasure m : o.measures) names.emplace_back(name_of(m));
  rec.add("measures", names).only(kAttr);
  rec.add("loss", r.loss).head("loss");
  rec.add("rho", o.rho);
  rec.add("ball", name_of(o.ball));
  rec.add("adaptive", o.adaptive);
  if (r.lambda_max) {
    rec.add("lambda_max", *r.lambda_max)
        .show("lambda_max", 6, "residual " + significant(r.lambda_max_residual, kErrorDigits));
    rec.add("lambda_max_residual", r.lambda_max_residual);
  }
  if (r.top_eigenvalues.size() > 0) {
    rec.add("top_eigenvalues",
            std::vector<double>(r.top_eigenvalues.begin(), r.top_eigenvalues.end()));
  }
  if (r.trace) {
    const bool has_error = std::isfinite(r.trace->std_error);
    rec.add("trace", r.trace->value)
        .show("trace", 6,
              (has_error ? "± " + significant(r.trace->std_error, kErrorDigits) + " (" : "(") +
                  std::string(name_of(r.trace_method)) + ", " + std::to_string(r.trace_hvps) +
                  " products)");
    rec.add("trace_stderr", r.trace->std_error);
    rec.add("trace_method", std::string(name_of(r.trace_method)));
    rec.add("trace_products", o.trace_products);
  }
  if (r.frobenius) {
    rec.add(measure_key(SharpnessMeasure::Frobenius), r.frobenius->value)
        .show("frobenius", 6,
              "± " + significant(r.frobenius->std_error, kErrorDigits) + " (" +
                  std::to_string(o.frobenius_probes) + " probes)");
    rec.add(measure_key(SharpnessMeasure::Frobenius) + "_stderr", r.frobenius->std_error);
  }
  if (r.overlap) {
    rec.add("overlap", *r.overlap)
        .show("overlap", 6, "|P_k g|^2/|g|^2, k " + std::to_string(r.overlap_k));
    rec.add("overlap_k", r.overlap_k);
  }
  if (r.average) {
    rec.add("average", r.average->value)
        .show("average", 6,
              "± " + significant(r.average->standard_error, kErrorDigits) + " (" +
                  std::to_string(r.average->samples) + " samples)");
    rec.add("average_stderr", r.average->standard_error);
    rec.add("average_sigma", r.average->sigma);
    rec.add("average_samples", r.average->samples);
  }
  if (r.worst) {
    rec.add("worst", r.worst->value)
        .show("worst", 6,
              "max loss " + significant(r.worst->loss_max) + ", |u| " +
                  significant(r.worst->u_norm, kErrorDigits));
    rec.add("worst_loss", r.worst->loss_max);
    rec.add("worst_u_norm", r.worst->u_norm);
    rec.add("worst_steps", r.worst->steps);
  }
  if (r.keskar) {
    rec.add("keskar", r.keskar->value)
        .show("keskar", 6,
              "epsilon " + significant(o.epsilon, kErrorDigits) + ", percent of 1 + L");
    rec.add("keskar_epsilon", o.epsilon);
  }
  rec.add("passes", r.passes);
  rec.add("gradients", r.gradients);
  describe_status(rec, r.status, r.message);
  return rec;
}

Record sharpness(const SharpnessRun& run, Observer& observer) {
  SharpnessOptions so = run.sharpness;
  so.seed = run.inputs.seed;
  so.validate();
  auto ws = open_workspace(run.inputs, observer);
  ResultFile rf(run.output.out);
  PassCounter passes(observer, expected_passes(so));
  ObservedObjective L(ws->objective(), passes);
  const SharpnessResult r = hess::run(so, L);
  observer.finished();
  Record rec = describe_sharpness(so, r);
  commit_group(rf, "sharpness", rec, ws->metadata(run.output.command_line, r.hvps, r.seconds));
  describe_run(rec, *ws, run.output, r.hvps, r.seconds);
  rec.add("ball_text", std::string(so.adaptive ? "adaptive " : "") + std::string(name_of(so.ball)) +
                           ", rho " + significant(so.rho, 4))
      .only(0)
      .head("ball");
  rec.footer = std::to_string(r.passes) + " passes (" + std::to_string(r.gradients) +
               " gradients), " + std::to_string(r.hvps) + " HVPs, " + significant(r.seconds, 4) +
               " s; results in " + run.output.out + ":/sharpness";
  if (r.status != Status::Ok) observer.warn(r.message);
  return rec;
}

}  // namespace hess::runs
