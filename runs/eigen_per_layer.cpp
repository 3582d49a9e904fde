#include "runs/eigen_per_layer.h"

#include <algorithm>
#include <limits>

#include "analyzers/stopwatch.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "runs/observed_operator.h"
#include "runs/output.h"

namespace hess::runs {

namespace {

constexpr const char* kGroup = "eigen_per_layer";
constexpr int kEigenvalueDigits = 8;
constexpr int kResidualDigits = 2;

// The eigenvalues asked of a layer of `size` parameters: k per end, fewer when it is smaller.
EigenOptions for_layer(EigenOptions o, int64_t size) {
  const int64_t ends = o.which == Which::Both ? 2 : 1;
  o.k = static_cast<int>(std::min<int64_t>(o.k, size / ends));
  return o;
}

std::vector<double> padded(const Eigen::VectorXd& v, size_t n) {
  std::vector<double> out(n, std::numeric_limits<double>::quiet_NaN());
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

}  // namespace

Record describe_eigen_per_layer(const EigenOptions& o, const std::vector<LayerEigen>& layers) {
  size_t width = 0;
  for (const LayerEigen& l : layers) width = std::max<size_t>(width, l.result.eigenvalues.size());
  std::vector<std::string> names, status;
  std::vector<int64_t> sizes, converged;
  std::vector<std::vector<double>> values, residuals;
  Outcome outcome;
  for (const LayerEigen& l : layers) {
    names.push_back(l.name);
    sizes.push_back(l.params);
    values.push_back(padded(l.result.eigenvalues, width));
    residuals.push_back(padded(l.result.residuals, width));
    converged.push_back(l.result.converged);
    status.emplace_back(name_of(l.result.status));
    outcome.note(l.result.status, l.name, l.result.message);
  }
  Record rec;
  Rows& rows = rec.rows("per_layer");
  rows.names("layer_names", names, "layer");
  rows.column("params", "layer_sizes", "params", sizes);
  rows.column("eigenvalues", "eigenvalues", "", values);
  rows.column("residuals", "residuals", "", residuals);
  for (size_t i = 0; i < width; ++i) {  // the table: one column per eigenvalue
    std::vector<double> column;
    for (const std::vector<double>& v : values) column.push_back(v[i]);
    rows.column("", "", "lambda_" + std::to_string(i + 1), column, kEigenvalueDigits);
  }
  std::vector<double> worst;  // the table: the largest residual of each layer
  for (const LayerEigen& l : layers)
    worst.push_back(l.result.residuals.size() ? l.result.residuals.maxCoeff() : 0.0);
  rows.column("", "", "max residual", worst, kResidualDigits);
  rows.column("converged_eigenvalues", "converged_eigenvalues", "converged", converged);
  rows.column("status", "layer_status", "", status);
  rec.add("method", name_of(o.method));
  rec.add("which", name_of(o.which));
  rec.add("k", o.k);
  rec.add("tol", o.tol).only(kAttr);
  describe_status(rec, outcome.status, outcome.message);
  return rec;
}

std::vector<LayerEigen> eigen_per_layer_on(const EigenOptions& o, const CurvatureTarget& target,
                                           Observer& observer) {
  std::vector<LayerEigen> out;
  for (size_t l = 0; l < target.layers().size(); ++l) {
    const auto block = target.layer_operator(l);
    const ObservedOperator op(*block, observer, 0);
    out.push_back(
        {target.layers()[l].name, block->rows(), hess::run(for_layer(o, block->rows()), op)});
    observer.finished();
    fail_if_non_finite(("eigen " + out.back().name).c_str(), out.back().result.status,
                       out.back().result.message);
  }
  return out;
}

Record eigen_per_layer(const EigenRun& run, Observer& observer) {
  EigenOptions eo = run.eigen;
  eo.seed = run.inputs.seed;
  eo.validate();
  if (eo.save_vectors) throw FieldError("save_vectors", "does not go with {per_layer}");
  const Stopwatch clock;
  auto ws = open_workspace(run.inputs, observer);
  const CurvatureTarget target(*ws, run.target);
  ResultFile rf(run.output.out);
  const std::vector<LayerEigen> layers = eigen_per_layer_on(eo, target, observer);
  int64_t hvps = 0;
  for (const LayerEigen& l : layers) hvps += l.result.hvps;
  const double seconds = clock.seconds();
  Record rec = describe_eigen_per_layer(eo, layers);
  commit_target_group(rf, kGroup, rec, target, *ws, run.output.command_line, hvps, seconds);
  describe_run(rec, *ws, run.output, hvps, seconds);
  rec.add("target", target.summary()).only(0).head("target");
  const bool ok = rec.text("status") == name_of(Status::Ok);
  rec.footer = std::string(name_of(eo.method)) + ", " + std::string(name_of(eo.which)) + " of " +
               std::to_string(layers.size()) + " layers: " + std::to_string(hvps) + " HVPs, " +
               significant(seconds, 4) + " s, converged: " + (ok ? "true" : "false");
  if (!ok) observer.warn(rec.text("message"));
  return rec;
}

}  // namespace hess::runs
