#include "runs/eigen_run.h"

#include <memory>

#include "engine/number_format.h"
#include "runs/eigen_per_layer.h"
#include "runs/observed_operator.h"

namespace hess::runs {

namespace {
constexpr int kEigenvalueDigits = 10;
constexpr int kResidualDigits = 3;
}  // namespace

Record describe_eigen(const EigenOptions& o, const EigenResult& r) {
  Record rec;
  rec.add("eigenvalues", std::vector<double>(r.eigenvalues.begin(), r.eigenvalues.end()));
  rec.add("residuals", std::vector<double>(r.residuals.begin(), r.residuals.end()));
  if (r.vectors.size() > 0) {
    // Row i is eigenvector i: the column-major P x n matrix read as row-major n x P.
    rec.add("eigenvectors",
            Matrix{{r.vectors.cols(), r.vectors.rows()},
                   std::vector<double>(r.vectors.data(), r.vectors.data() + r.vectors.size())})
        .only(kDataset);
  }
  Rows& pairs = rec.rows("eigenpairs").only(kText);
  std::vector<int64_t> index;
  for (Eigen::Index i = 0; i < r.eigenvalues.size(); ++i) index.push_back(i + 1);
  pairs.column("", "", "#", index);
  pairs.column("", "", "eigenvalue",
               std::vector<double>(r.eigenvalues.begin(), r.eigenvalues.end()), kEigenvalueDigits);
  pairs.column("", "", "residual", std::vector<double>(r.residuals.begin(), r.residuals.end()),
               kResidualDigits);
  rec.add("method", name_of(o.method));
  if (o.method == EigenMethod::Lanczos) {
    rec.add("block", o.block);
    rec.add("start_columns", r.start_columns);
  }
  if (o.method != EigenMethod::Power) rec.add("ncv", r.ncv);
  rec.add("which", name_of(o.which));
  rec.add("k", o.k).only(kAttr);
  rec.add("tol", o.tol).only(kAttr);
  rec.add("iterations", r.iterations);
  rec.add("converged_eigenvalues", r.converged);
  rec.add("double_quotients", r.double_quotients);
  if (o.method == EigenMethod::Power) rec.add("quotient_settled", r.quotient_settled);
  describe_status(rec, r.status, r.message);
  return rec;
}

EigenResult eigen_on(const EigenOptions& o, const CurvatureTarget& target, Observer& observer) {
  const ObservedOperator op(target.op(), observer, 0);
  // A float32 run asked for more than float32 products can show ends on the double operator
  // (analyzers/eigen.h); it is made only then.
  std::unique_ptr<ObservedOperator> in_double;
  if (refines_in_double(o, op)) {
    in_double = std::make_unique<ObservedOperator>(target.op_in_double(), observer, 0);
  }
  EigenResult r = hess::run(o, op, in_double.get());
  observer.finished();
  return r;
}

Record eigen(const EigenRun& run, Observer& observer) {
  if (run.per_layer) return eigen_per_layer(run, observer);
  EigenOptions eo = run.eigen;
  eo.seed = run.inputs.seed;
  eo.validate();
  auto ws = open_workspace(run.inputs, observer);
  const CurvatureTarget target(*ws, run.target);
  ResultFile rf(run.output.out);
  const EigenResult r = eigen_on(eo, target, observer);
  fail_if_non_finite("eigen", r.status, r.message);
  Record rec = describe_eigen(eo, r);
  commit_target_group(rf, "eigen", rec, target, *ws, run.output.command_line, r.hvps, r.seconds);
  describe_run(rec, *ws, run.output, r.hvps, r.seconds);
  rec.add("target", target.summary()).only(0).head("target");
  rec.footer = std::string(name_of(eo.method)) + ", " + std::string(name_of(eo.which)) + ": " +
               std::to_string(r.hvps) + " HVPs, " + significant(r.seconds, 4) +
               " s, converged: " + (r.status == Status::Ok ? "true" : "false");
  if (r.status != Status::Ok) observer.warn(r.message);
  return rec;
}

}  // namespace hess::runs
