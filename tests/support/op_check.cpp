#include "support/op_check.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "engine/graph_builder.h"
#include "engine/objective.h"
#include "engine/random.h"
#include "support/fd_check.h"

namespace hess::test {

namespace {
// Adds the op's inputs and the op itself to `b`; returns the op's node.
int add_op(GraphBuilder& b, OpKind kind, const Attrs& attrs, const std::vector<OpInput>& inputs,
           const std::vector<std::vector<double>>& values) {
  std::vector<int> ids;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string name = "in" + std::to_string(i);
    switch (inputs[i].kind) {
      case OpInput::Param:
        ids.push_back(b.param(name, inputs[i].shape, BlockRole::Other, Init::constant(0.0)));
        break;
      case OpInput::Constant:
        ids.push_back(b.constant(name, Tensor<double>(inputs[i].shape, values[i])));
        break;
      case OpInput::Data:
        ids.push_back(b.input());
        break;
    }
  }
  return b.op(kind, ids, attrs, "op");
}
}  // namespace

OpModel op_model(OpKind kind, const Attrs& attrs, const std::vector<OpInput>& inputs,
                 uint64_t seed) {
  Rng rng(seed);
  std::vector<std::vector<double>> values;
  std::vector<double> theta, data_values;
  const OpInput* data = nullptr;
  for (const OpInput& in : inputs) {
    std::vector<double> v = in.values;
    if (v.empty()) {
      v.resize(numel(in.shape));
      for (double& x : v) x = in.shift + in.scale * rng.normal();
    }
    REQUIRE(static_cast<int64_t>(v.size()) == numel(in.shape));
    if (in.kind == OpInput::Param) theta.insert(theta.end(), v.begin(), v.end());
    if (in.kind == OpInput::Data) {
      data = &in;
      data_values = v;
    }
    values.push_back(std::move(v));
  }
  // With a Data input the output's first axis is the batch. Without one, the output does not follow
  // the batch: it is flattened to one row and a zero data row X of the same width is added, which
  // ties it to a batch of one sample (linear: derivatives unchanged).
  Shape sample = data ? Shape(data->shape.begin() + 1, data->shape.end()) : Shape{1};
  const int64_t data_batch = data ? data->shape[0] : 1;
  GraphBuilder probe(sample);
  const Shape out = probe.shape_of(add_op(probe, kind, attrs, inputs, values), data_batch);
  const int64_t n = data ? out.at(0) : 1;
  const int64_t t = numel(out) / n;
  if (!data) sample = {t};

  GraphBuilder b(sample);
  const int y = add_op(b, kind, attrs, inputs, values);
  Attrs rows;
  rows.set("shape", std::vector<int64_t>{data ? 0 : 1, t});
  int flat = b.op(OpKind::Reshape, {y}, rows, "as_rows");
  if (!data) flat = b.op(OpKind::Add, {flat, b.input()}, {}, "tie_to_batch");
  b.set_targets(t);

  OpModel om;
  om.model = b.finish(flat, LossKind::Mse, seed);
  om.model.theta = theta;
  Dataset& d = om.data;
  d.sample_shape = sample;
  d.x.assign(n * numel(sample), 0.0f);
  for (size_t i = 0; i < data_values.size(); ++i) d.x[i] = static_cast<float>(data_values[i]);
  d.target_dim = t;
  d.targets.resize(n * t);
  for (float& v : d.targets) v = static_cast<float>(rng.normal());
  return om;
}

std::vector<double> away_from_zero(int64_t n, uint64_t seed, double margin) {
  Rng rng(seed);
  std::vector<double> v(n);
  for (double& x : v) {
    const double z = rng.normal();
    x = (z >= 0 ? 1 : -1) * (margin + std::abs(z));
  }
  return v;
}

void check_op(OpKind kind, const Attrs& attrs, const std::vector<OpInput>& inputs, uint64_t seed) {
  OpModel om = op_model(kind, attrs, inputs, seed);
  const Model& m = om.model;
  const Dataset& d = om.data;
  auto obj = double_objective(m, d);
  const int64_t P = obj->num_params();
  REQUIRE(P > 0);

  Eigen::VectorXd g(P);
  obj->gradient(g.data());
  CHECK(rel_err(g, fd_gradient(*obj, m.theta)) < kFdRelTol);

  const Eigen::VectorXd u = random_vector(P, seed + 1), v = random_vector(P, seed + 2);
  Eigen::VectorXd hu(P), hv(P);
  obj->curvature(v.data(), 1, hv.data(), Curvature::Hessian);
  CHECK(rel_err(hv, fd_hvp(*obj, m.theta, v)) < kFdRelTol);
  obj->curvature(u.data(), 1, hu.data(), Curvature::Hessian);
  CHECK(std::abs(u.dot(hv) - v.dot(hu)) <=
        1e-10 * (std::abs(u.dot(hv)) + hv.norm() * u.norm() * 1e-3));

  CHECK(rel_err(engine_jvp(m, d, v), fd_jvp(m, d, v)) < kFdRelTol);

  // k columns at once equal single columns.
  Eigen::MatrixXd V(P, 2), HV(P, 2);
  V << u, v;
  obj->curvature(V.data(), 2, HV.data(), Curvature::Hessian);
  CHECK(rel_err(Eigen::VectorXd(HV.col(0)), hu) < 1e-12);
  CHECK(rel_err(Eigen::VectorXd(HV.col(1)), hv) < 1e-12);

  // Float agrees with double to float precision.
  ObjectiveOptions o;
  o.batch_size = d.size();
  auto f = make_objective(m.graph, d, all_rows(d.size()), o, Precision::F32);
  f->set_parameters(m.theta);
  Eigen::VectorXd hf(P);
  f->curvature(v.data(), 1, hf.data(), Curvature::Hessian);
  CHECK(rel_err(hf, hv) < 1e-4);
}

double float_error(OpKind kind, const Attrs& attrs, const std::vector<OpInput>& inputs,
                   uint64_t seed) {
  OpModel om = op_model(kind, attrs, inputs, seed);
  const Dataset& d = om.data;
  ObjectiveOptions o;
  o.batch_size = d.size();
  auto dbl = make_objective(om.model.graph, d, all_rows(d.size()), o, Precision::F64);
  auto flt = make_objective(om.model.graph, d, all_rows(d.size()), o, Precision::F32);
  const int64_t P = dbl->num_params();
  const Eigen::VectorXd v = random_vector(P, seed + 2);
  for (Objective* obj : {dbl.get(), flt.get()}) obj->set_parameters(om.model.theta);
  Eigen::VectorXd gd(P), gf(P), hd(P), hf(P);
  dbl->gradient(gd.data());
  flt->gradient(gf.data());
  dbl->curvature(v.data(), 1, hd.data(), Curvature::Hessian);
  flt->curvature(v.data(), 1, hf.data(), Curvature::Hessian);
  return std::max(rel_err(gf, gd), rel_err(hf, hd));
}

}  // namespace hess::test
