// engine/ops/pool: max, average and global average pooling. Values against direct loops over each
// window and a hand-worked PyTorch case (ceil_mode, count_include_pad); the value, tangent, adjoint
// and adjoint-tangent rules against central finite differences (double) and float against double
// over random shapes, strides, paddings and ceil modes. Max pooling gets values at least kGap
// apart, far more than the finite-difference step, so no difference straddles a change of argmax.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "engine/graph_builder.h"
#include "engine/objective.h"
#include "engine/random.h"
#include "support/fd_check.h"
#include "support/op_check.h"
#include "support/shape_error.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kGap = 0.05;        // spacing of max-pool test values (≫ kFdStep)
constexpr double kValueTol = 1e-12;  // relative, direct loops against the op in double

struct PoolCase {
  int64_t B, C, H, W, kh, kw, sh, sw, pt, pl, pb, pr;
  bool ceil_mode;

  Attrs attrs() const {
    Attrs a;
    a.set("kernel", std::vector<int64_t>{kh, kw});
    a.set("stride", std::vector<int64_t>{sh, sw});
    a.set("padding", std::vector<int64_t>{pt, pl, pb, pr});
    a.set("ceil_mode", int64_t{ceil_mode ? 1 : 0});
    return a;
  }
  // PyTorch's output extent: floor (or ceil) of the window count, minus a last window that would
  // start in the trailing padding.
  static int64_t extent(int64_t n, int64_t k, int64_t s, int64_t p0, int64_t p1, bool ceil_mode) {
    const double q = static_cast<double>(n + p0 + p1 - k) / static_cast<double>(s);
    int64_t out = static_cast<int64_t>(ceil_mode ? std::ceil(q) : std::floor(q)) + 1;
    if (ceil_mode && (out - 1) * s >= n + p0) --out;
    return out;
  }
  int64_t OH() const { return extent(H, kh, sh, pt, pb, ceil_mode); }
  int64_t OW() const { return extent(W, kw, sw, pl, pr, ceil_mode); }
  Shape in_shape() const { return {B, C, H, W}; }
  std::string describe() const {
    std::ostringstream s;
    s << "B" << B << " C" << C << " " << H << "x" << W << " k" << kh << "x" << kw << " s" << sh
      << "," << sw << " p" << pt << "," << pl << "," << pb << "," << pr
      << (ceil_mode ? " ceil" : "");
    return s.str();
  }
};

// A random pooling whose paddings are smaller than the kernel and whose kernel fits.
PoolCase random_case(Rng& rng) {
  while (true) {
    PoolCase c{};
    c.B = 1 + rng.below(3);
    c.C = 1 + rng.below(3);
    c.H = 2 + rng.below(6);
    c.W = 2 + rng.below(6);
    c.kh = 1 + rng.below(3);
    c.kw = 1 + rng.below(3);
    c.sh = 1 + rng.below(3);
    c.sw = 1 + rng.below(3);
    c.pt = rng.below(c.kh);
    c.pl = rng.below(c.kw);
    c.pb = rng.below(c.kh);
    c.pr = rng.below(c.kw);
    c.ceil_mode = rng.below(2) == 1;
    if (c.kh <= c.H + c.pt + c.pb && c.kw <= c.W + c.pl + c.pr) return c;
  }
}

// n distinct values kGap apart in random order, about half of them negative (so that a padded
// window whose inputs are all negative shows that padding never wins).
std::vector<double> separated_values(int64_t n, uint64_t seed) {
  const std::vector<int64_t> perm = random_subset(n, n, seed);
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i)
    v[i] = kGap * (static_cast<double>(perm[i]) - 0.5 * static_cast<double>(n));
  return v;
}

enum class Reduce { Max, AvgValid, AvgWithPad };

// Pooling by its definition, window by window.
std::vector<double> direct_pool(const PoolCase& c, const std::vector<double>& x, Reduce how) {
  const int64_t OH = c.OH(), OW = c.OW();
  std::vector<double> y(c.B * c.C * OH * OW);
  for (int64_t img = 0; img < c.B * c.C; ++img) {
    for (int64_t oh = 0; oh < OH; ++oh) {
      for (int64_t ow = 0; ow < OW; ++ow) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0.0;
        int64_t valid = 0, cells = 0;
        for (int64_t i = 0; i < c.kh; ++i) {
          for (int64_t j = 0; j < c.kw; ++j) {
            const int64_t h = oh * c.sh - c.pt + i, w = ow * c.sw - c.pl + j;
            if (h < c.H + c.pb && w < c.W + c.pr) ++cells;  // inside the padded input
            if (h < 0 || h >= c.H || w < 0 || w >= c.W) continue;
            const double v = x[(img * c.H + h) * c.W + w];
            best = std::max(best, v);
            sum += v;
            ++valid;
          }
        }
        double out = best;
        if (how == Reduce::AvgValid) out = sum / static_cast<double>(valid);
        if (how == Reduce::AvgWithPad) out = sum / static_cast<double>(cells);
        y[(img * OH + oh) * OW + ow] = out;
      }
    }
  }
  return y;
}

// The op's value on explicit parameter values.
Eigen::VectorXd op_value(OpKind kind, const Attrs& a, const Shape& shape,
                         const std::vector<double>& x) {
  const OpModel om = op_model(kind, a, {OpInput{OpInput::Param, shape, x}}, 1);
  return outputs(om.model, om.data, om.model.theta);
}

Eigen::VectorXd as_vector(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<int64_t>(v.size()));
}

}  // namespace

TEST_CASE("max_pool2d: value by definition, derivatives away from ties") {
  Rng rng(3);
  for (int t = 0; t < 12; ++t) {
    const PoolCase c = random_case(rng);
    CAPTURE(c.describe());
    const std::vector<double> x = separated_values(numel(c.in_shape()), 40 + t);
    CHECK(rel_err(op_value(OpKind::MaxPool2d, c.attrs(), c.in_shape(), x),
                  as_vector(direct_pool(c, x, Reduce::Max))) < kValueTol);
    check_op(OpKind::MaxPool2d, c.attrs(), {OpInput{OpInput::Param, c.in_shape(), x}}, 60 + t);
  }
}

TEST_CASE("max_pool2d: windows of 256 cells (argmax kept as a byte) and of 272 (a flat index)") {
  // 16 x 16 is the largest window whose argmax position is kept in a byte; 17 x 16 keeps flat
  // indices. Both with padding on every side, strides that overlap the windows, and ceil mode.
  const PoolCase cases[] = {{1, 2, 18, 17, 16, 16, 2, 1, 3, 1, 2, 4, true},
                            {1, 2, 18, 17, 17, 16, 1, 3, 2, 5, 1, 0, false}};
  for (const PoolCase& c : cases) {
    CAPTURE(c.describe());
    const std::vector<double> x = separated_values(numel(c.in_shape()), 91);
    CHECK(rel_err(op_value(OpKind::MaxPool2d, c.attrs(), c.in_shape(), x),
                  as_vector(direct_pool(c, x, Reduce::Max))) < kValueTol);
    check_op(OpKind::MaxPool2d, c.attrs(), {OpInput{OpInput::Param, c.in_shape(), x}}, 92);
  }
}

TEST_CASE("max_pool2d: 2x2 windows at stride 2 in a network, fresh and added, k columns") {
  // Rows of 18 windows on a 5 x 37 image (an uncovered last row and column). A 1x1 convolution and
  // tanh before the pooling give it a varying input: read by one pooling, its adjoint-tangent is
  // written fresh; read by two (summed), added to. Gradient and Hessian products against central
  // differences in double, float against double, and three columns at once.
  for (const bool shared : {false, true}) {
    CAPTURE(shared);
    GraphBuilder b({2, 5, 37});
    const int a = b.activation(b.conv2d(b.input(), 2, 2, 1, 1, 0, "mix"), OpKind::Tanh);
    int p = b.max_pool(a, 2, 2);
    if (shared) p = b.op(OpKind::Add, {p, b.max_pool(a, 2, 2)});
    const Model m =
        b.finish(b.linear(b.flatten(p), 2 * 2 * 18, 3, "fc"), LossKind::CrossEntropy, 5);
    const Dataset d = random_dataset(m.graph, 4, 3, 21);
    const auto obj = double_objective(m, d);
    obj->set_parameters(m.theta);
    const int64_t P = obj->num_params();
    Eigen::VectorXd g(P);
    obj->gradient(g.data());
    CHECK(rel_err(g, fd_gradient(*obj, m.theta)) < 1e-6);
    const Eigen::VectorXd v = random_vector(P, 22);
    Eigen::VectorXd hv(P);
    obj->curvature(v.data(), 1, hv.data(), Curvature::Hessian);
    CHECK(rel_err(hv, fd_hvp(*obj, m.theta, v)) < 1e-6);
    CHECK(hv.norm() > 0.0);
    const PrecisionPair pair = float_and_double(m, d, 4);
    Eigen::VectorXd hv32(P), hv64(P);
    pair.f32->curvature(v.data(), 1, hv32.data(), Curvature::Hessian);
    pair.f64->curvature(v.data(), 1, hv64.data(), Curvature::Hessian);
    CHECK(rel_err(hv32, hv64) < 1e-5);
    // Three columns at once over batches of 3 and 1 (a partial last batch).
    const auto batched = double_objective(m, d, 3);
    batched->set_parameters(m.theta);
    Eigen::MatrixXd V(P, 3), HV(P, 3);
    for (int j = 0; j < 3; ++j) V.col(j) = random_vector(P, 23 + j);
    batched->curvature(V.data(), 3, HV.data(), Curvature::Hessian);
    for (int j = 0; j < 3; ++j) CHECK(rel_err(HV.col(j), fd_hvp(*obj, m.theta, V.col(j))) < 1e-6);
  }
}

TEST_CASE("max_pool2d: padding never wins, and on ties the first maximum takes the derivative") {
  // All inputs negative with padding on every side: the padded zeros must not be the maximum.
  const PoolCase c{1, 1, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1, false};
  const std::vector<double> neg = {-9, -8, -7, -6, -5, -4, -3, -2, -1};
  CHECK(rel_err(op_value(OpKind::MaxPool2d, c.attrs(), c.in_shape(), neg),
                as_vector({-9, -7, -3, -1})) < kValueTol);

  // x = [1, 3; 3, 2] in one 2x2 window: elements 1 and 2 tie; row-major order makes 1 the argmax.
  Attrs a;
  a.set("kernel", std::vector<int64_t>{2, 2});
  const OpModel om =
      op_model(OpKind::MaxPool2d, a, {OpInput{OpInput::Param, {1, 1, 2, 2}, {1, 3, 3, 2}}}, 2);
  auto obj = double_objective(om.model, om.data);
  Eigen::VectorXd g(4);
  obj->gradient(g.data());
  CHECK(g[1] != 0.0);
  CHECK(g[0] == 0.0);
  CHECK(g[2] == 0.0);
  CHECK(g[3] == 0.0);
}

TEST_CASE("avg_pool2d: value by definition with and without padding counted, derivatives") {
  Rng rng(8);
  for (int t = 0; t < 12; ++t) {
    const PoolCase c = random_case(rng);
    CAPTURE(c.describe());
    for (bool with_pad : {false, true}) {
      CAPTURE(with_pad);
      Attrs a = c.attrs();
      a.set("count_include_pad", int64_t{with_pad ? 1 : 0});
      const std::vector<double> x = separated_values(numel(c.in_shape()), 80 + t);
      const std::vector<double> ref =
          direct_pool(c, x, with_pad ? Reduce::AvgWithPad : Reduce::AvgValid);
      CHECK(rel_err(op_value(OpKind::AvgPool2d, a, c.in_shape(), x), as_vector(ref)) < kValueTol);
      check_op(OpKind::AvgPool2d, a, {OpInput::param(c.in_shape())}, 90 + t);
    }
  }
}

TEST_CASE("avg_pool2d follows PyTorch in ceil mode with padding counted") {
  // torch.nn.functional.avg_pool2d(arange(1, 17).view(1, 1, 4, 4), 3, stride=2, padding=1,
  // ceil_mode=True, count_include_pad=True): windows start at rows/cols −1, 1, 3; the last one is
  // clipped to the padded input (2 cells, one of them padding), so corner (2, 2) is 16 / (2·2).
  Attrs a;
  a.set("kernel", std::vector<int64_t>{3, 3});
  a.set("stride", std::vector<int64_t>{2, 2});
  a.set("padding", std::vector<int64_t>{1, 1, 1, 1});
  a.set("ceil_mode", int64_t{1});
  a.set("count_include_pad", int64_t{1});
  std::vector<double> x(16);
  for (int i = 0; i < 16; ++i) x[i] = i + 1;
  const std::vector<double> expected = {14.0 / 9, 30.0 / 9, 12.0 / 6, 57.0 / 9, 99.0 / 9,
                                        36.0 / 6, 27.0 / 6, 45.0 / 6, 16.0 / 4};
  CHECK(rel_err(op_value(OpKind::AvgPool2d, a, {1, 1, 4, 4}, x), as_vector(expected)) < kValueTol);
}

TEST_CASE("global_avg_pool: mean over H and W, derivatives") {
  const Shape s{2, 3, 4, 5};
  Rng rng(4);
  std::vector<double> x(numel(s));
  for (double& v : x) v = rng.normal();
  std::vector<double> ref(6, 0.0);
  for (int64_t i = 0; i < numel(s); ++i) ref[i / 20] += x[i] / 20.0;
  CHECK(rel_err(op_value(OpKind::GlobalAvgPool, {}, s, x), as_vector(ref)) < kValueTol);
  check_op(OpKind::GlobalAvgPool, {}, {OpInput::param(s)}, 5);
  check_op(OpKind::GlobalAvgPool, {}, {OpInput::param({1, 2, 1, 3}, 2.0, 0.5)}, 6);
}

TEST_CASE("pooling shape errors name the node and the cause") {
  Attrs big;
  big.set("kernel", std::vector<int64_t>{5, 2});
  std::string e = op_shape_error(OpKind::MaxPool2d, {2, 1, 4, 4}, {}, big);
  CHECK(contains(e, "node 'bad' (max_pool2d)"));
  CHECK(contains(e, "kernel's height 5 is larger than the padded input"));

  Attrs pad;
  pad.set("kernel", std::vector<int64_t>{2, 2});
  pad.set("padding", std::vector<int64_t>{0, 2, 0, 0});
  e = op_shape_error(OpKind::AvgPool2d, {2, 1, 4, 4}, {}, pad);
  CHECK(contains(e, "node 'bad' (avg_pool2d)"));
  CHECK(contains(e, "a window would hold only padding"));

  CHECK(contains(op_shape_error(OpKind::MaxPool2d, {2, 1, 4, 4}, {}, {}),
                 "missing attribute 'kernel'"));

  Attrs ceil2;
  ceil2.set("kernel", std::vector<int64_t>{2, 2});
  ceil2.set("ceil_mode", int64_t{2});
  CHECK(contains(op_shape_error(OpKind::MaxPool2d, {2, 1, 4, 4}, {}, ceil2),
                 "'ceil_mode' must be 0 or 1"));

  Attrs cip;
  cip.set("kernel", std::vector<int64_t>{2, 2});
  cip.set("count_include_pad", int64_t{-1});
  CHECK(contains(op_shape_error(OpKind::AvgPool2d, {2, 1, 4, 4}, {}, cip),
                 "'count_include_pad' must be 0 or 1"));

  CHECK(contains(op_shape_error(OpKind::GlobalAvgPool, {2, 3, 4}, {}, {}),
                 "node 'bad' (global_avg_pool): input must be"));
  Attrs k1;
  k1.set("kernel", std::vector<int64_t>{2});
  CHECK(contains(op_shape_error(OpKind::MaxPool2d, {2, 1, 4, 4}, {}, k1),
                 "attribute 'kernel' needs 2 values"));
}
