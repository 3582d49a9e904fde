#include "support/fd_check.h"

#include <cmath>
#include <numeric>

#include "engine/autodiff.h"
#include "engine/random.h"

namespace hess::test {

Dataset random_dataset(const Graph& graph, int64_t n, int64_t classes, uint64_t seed,
                       int64_t id_range) {
  Rng rng(seed);
  Dataset d;
  d.sample_shape = graph.input_shape;
  d.x.resize(n * numel(d.sample_shape));
  for (float& v : d.x)
    v = id_range > 0 ? static_cast<float>(rng.below(id_range)) : static_cast<float>(rng.normal());
  if (graph.label_kind == LabelKind::Class) {
    d.labels.resize(n);
    for (int64_t& l : d.labels) l = rng.below(classes);
  } else {
    d.target_dim = graph.target_dim;
    d.targets.resize(n * graph.target_dim);
    for (float& t : d.targets) t = static_cast<float>(rng.normal());
  }
  return d;
}

std::vector<int64_t> all_rows(int64_t n) {
  std::vector<int64_t> r(n);
  std::iota(r.begin(), r.end(), 0);
  return r;
}

double rel_err(const Eigen::VectorXd& a, const Eigen::VectorXd& b, double floor) {
  return (a - b).norm() / std::max(b.norm(), floor);
}

double rel_err(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double floor) {
  return (a - b).norm() / std::max(b.norm(), floor);
}

std::unique_ptr<Objective> double_objective(const Model& m, const Dataset& data, int64_t batch) {
  ObjectiveOptions o;
  o.batch_size = batch;
  auto obj = make_objective(m.graph, data, all_rows(data.size()), o, Precision::F64);
  obj->set_parameters(m.theta);
  return obj;
}

PrecisionPair float_and_double(const Model& m, const Dataset& data, int64_t batch) {
  ObjectiveOptions o;
  o.batch_size = batch;
  PrecisionPair p;
  p.f32 = make_objective(m.graph, data, all_rows(data.size()), o, Precision::F32);
  p.f64 = make_objective(m.graph, data, all_rows(data.size()), o, Precision::F64);
  p.f32->set_parameters(m.theta);
  p.f64->set_parameters(m.theta);
  return p;
}

namespace {
double loss_at(Objective& obj, std::vector<double> theta) {
  obj.set_parameters(theta);
  return obj.value().loss;
}

Eigen::VectorXd grad_at(Objective& obj, const std::vector<double>& theta) {
  obj.set_parameters(theta);
  Eigen::VectorXd g(obj.num_params());
  obj.gradient(g.data());
  return g;
}

std::vector<double> shifted(const std::vector<double>& theta, const Eigen::VectorXd& v, double t) {
  std::vector<double> out = theta;
  for (size_t i = 0; i < out.size(); ++i) out[i] += t * v[i];
  return out;
}
}  // namespace

Eigen::VectorXd fd_gradient(Objective& obj, const std::vector<double>& theta, double h) {
  const int64_t P = static_cast<int64_t>(theta.size());
  Eigen::VectorXd g(P);
  for (int64_t i = 0; i < P; ++i) {
    std::vector<double> tp = theta, tm = theta;
    tp[i] += h;
    tm[i] -= h;
    g[i] = (loss_at(obj, tp) - loss_at(obj, tm)) / (2 * h);
  }
  obj.set_parameters(theta);
  return g;
}

Eigen::VectorXd fd_hvp(Objective& obj, const std::vector<double>& theta, const Eigen::VectorXd& v,
                       double h) {
  const Eigen::VectorXd r =
      (grad_at(obj, shifted(theta, v, h)) - grad_at(obj, shifted(theta, v, -h))) / (2 * h);
  obj.set_parameters(theta);
  return r;
}

Eigen::MatrixXd fd_hessian(Objective& obj, const std::vector<double>& theta, double h) {
  const int64_t P = static_cast<int64_t>(theta.size());
  Eigen::MatrixXd H(P, P);
  for (int64_t i = 0; i < P; ++i) {
    Eigen::VectorXd e = Eigen::VectorXd::Zero(P);
    e[i] = 1.0;
    H.col(i) = fd_hvp(obj, theta, e, h);
  }
  return H;
}

namespace {
// Runs one batch of all samples through a double context; returns the context for inspection.
std::unique_ptr<EvalContext<double>> run_batch(const Model& m, const Dataset& data,
                                               const std::vector<double>& theta,
                                               const Eigen::VectorXd* v) {
  auto ctx = std::make_unique<EvalContext<double>>(m.graph);
  ctx->set_parameters(theta.data());
  const std::vector<int64_t> rows = all_rows(data.size());
  ctx->set_batch(data, rows.data(), data.size());
  EvalRequest req;
  if (v) {
    req.directions = v->data();
    req.k = 1;
  }
  ctx->run(req, {});
  return ctx;
}
}  // namespace

Eigen::VectorXd outputs(const Model& m, const Dataset& data, const std::vector<double>& theta) {
  auto ctx = run_batch(m, data, theta, nullptr);
  const Tensor<double>& y = ctx->output_value();
  return Eigen::Map<const Eigen::VectorXd>(y.data(), y.size());
}

Eigen::VectorXd fd_jvp(const Model& m, const Dataset& data, const Eigen::VectorXd& v, double h) {
  return (outputs(m, data, shifted(m.theta, v, h)) - outputs(m, data, shifted(m.theta, v, -h))) /
         (2 * h);
}

Eigen::VectorXd engine_jvp(const Model& m, const Dataset& data, const Eigen::VectorXd& v) {
  auto ctx = run_batch(m, data, m.theta, &v);
  const Tensor<double>& t = ctx->output_tangent();
  return Eigen::Map<const Eigen::VectorXd>(t.data(), t.size());
}

Eigen::MatrixXd fd_jacobian(const Model& m, const Dataset& data, double h) {
  const int64_t P = m.graph.num_params();
  const Eigen::VectorXd y0 = outputs(m, data, m.theta);
  Eigen::MatrixXd J(y0.size(), P);
  for (int64_t i = 0; i < P; ++i) {
    Eigen::VectorXd e = Eigen::VectorXd::Zero(P);
    e[i] = 1.0;
    J.col(i) = fd_jvp(m, data, e, h);
  }
  return J;
}

Eigen::MatrixXd forward_jacobian(const Model& m, const Dataset& data) {
  const int64_t P = m.graph.num_params();
  Eigen::MatrixXd J;
  for (int64_t i = 0; i < P; ++i) {
    Eigen::VectorXd e = Eigen::VectorXd::Zero(P);
    e[i] = 1.0;
    const Eigen::VectorXd col = engine_jvp(m, data, e);
    if (i == 0) J.resize(col.size(), P);
    J.col(i) = col;
  }
  return J;
}

Eigen::MatrixXd loss_output_hessian(const Model& m, const Dataset& data) {
  const Eigen::VectorXd y = outputs(m, data, m.theta);
  const int64_t N = data.size();
  const int64_t C = y.size() / N;
  Eigen::MatrixXd HL = Eigen::MatrixXd::Zero(y.size(), y.size());
  const OpKind loss = m.graph.nodes[m.graph.loss].op;
  for (int64_t n = 0; n < N; ++n) {
    if (loss == OpKind::CrossEntropy) {
      Eigen::VectorXd z = y.segment(n * C, C);
      Eigen::VectorXd p = (z.array() - z.maxCoeff()).exp();
      p /= p.sum();
      HL.block(n * C, n * C, C, C) =
          (Eigen::MatrixXd(p.asDiagonal()) - p * p.transpose()) / static_cast<double>(N);
    } else {
      HL.block(n * C, n * C, C, C) =
          Eigen::MatrixXd::Identity(C, C) * (2.0 / C) / static_cast<double>(N);
    }
  }
  return HL;
}

Eigen::VectorXd random_vector(int64_t n, uint64_t seed) {
  Rng rng(seed);
  Eigen::VectorXd v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = rng.normal();
  return v;
}

}  // namespace hess::test
