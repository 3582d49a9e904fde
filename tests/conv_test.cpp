// engine/ops/conv: conv2d's value against a direct sum over the kernel taps, and its value,
// tangent, adjoint and adjoint-tangent rules against central finite differences (double), plus
// float against double, over random shapes, strides, paddings, dilations and groups, with and
// without bias, the input as a parameter (varies) and as data (does not vary). Shape errors name
// the node.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "engine/random.h"
#include "support/fd_check.h"
#include "support/op_check.h"
#include "support/shape_error.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kValueTol = 1e-12;  // relative, direct sum against im2col + GEMM in double
// Float against double on a batch whose sums run over 100,000 terms: float rounding of the terms,
// not of the long sum (one float GEMM over all of them is about 3e-7 off).
constexpr double kLongSumFloatTol = 1e-7;

struct ConvCase {
  int64_t B, G, Cg, Og, H, W, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  bool bias;

  int64_t C() const { return G * Cg; }
  int64_t O() const { return G * Og; }
  int64_t OH() const { return (H + pt + pb - dh * (kh - 1) - 1) / sh + 1; }
  int64_t OW() const { return (W + pl + pr - dw * (kw - 1) - 1) / sw + 1; }
  Attrs attrs() const {
    Attrs a;
    a.set("stride", std::vector<int64_t>{sh, sw});
    a.set("padding", std::vector<int64_t>{pt, pl, pb, pr});
    a.set("dilation", std::vector<int64_t>{dh, dw});
    a.set("groups", G);
    return a;
  }
  std::string describe() const {
    std::ostringstream s;
    s << "B" << B << " C" << C() << " O" << O() << " G" << G << " " << H << "x" << W << " k" << kh
      << "x" << kw << " s" << sh << "," << sw << " d" << dh << "," << dw << " p" << pt << "," << pl
      << "," << pb << "," << pr << (bias ? " bias" : "");
    return s.str();
  }
};

// A random small convolution whose dilated kernel fits the padded input.
ConvCase random_case(Rng& rng) {
  while (true) {
    ConvCase c{};
    c.B = 1 + rng.below(3);
    c.G = 1 + rng.below(3);
    c.Cg = 1 + rng.below(3);
    c.Og = 1 + rng.below(3);
    c.H = 3 + rng.below(5);
    c.W = 3 + rng.below(5);
    c.kh = 1 + rng.below(3);
    c.kw = 1 + rng.below(3);
    c.sh = 1 + rng.below(3);
    c.sw = 1 + rng.below(3);
    c.dh = 1 + rng.below(2);
    c.dw = 1 + rng.below(2);
    c.pt = rng.below(3);
    c.pl = rng.below(3);
    c.pb = rng.below(3);
    c.pr = rng.below(3);
    c.bias = rng.below(2) == 1;
    if (c.dh * (c.kh - 1) + 1 <= c.H + c.pt + c.pb && c.dw * (c.kw - 1) + 1 <= c.W + c.pl + c.pr)
      return c;
  }
}

// Values exactly representable in float (data inputs are stored as float32).
std::vector<double> float_values(int64_t n, Rng& rng) {
  std::vector<double> v(n);
  for (double& x : v) x = static_cast<double>(static_cast<float>(rng.normal()));
  return v;
}

// y by the definition: a direct sum over the kernel taps, padding read as 0.
std::vector<double> direct_conv(const ConvCase& c, const std::vector<double>& x,
                                const std::vector<double>& w, const std::vector<double>& b) {
  std::vector<double> y(c.B * c.O() * c.OH() * c.OW(), 0.0);
  for (int64_t n = 0; n < c.B; ++n) {
    for (int64_t o = 0; o < c.O(); ++o) {
      const int64_t g = o / c.Og;
      for (int64_t oh = 0; oh < c.OH(); ++oh) {
        for (int64_t ow = 0; ow < c.OW(); ++ow) {
          double s = c.bias ? b[o] : 0.0;
          for (int64_t ci = 0; ci < c.Cg; ++ci) {
            for (int64_t i = 0; i < c.kh; ++i) {
              for (int64_t j = 0; j < c.kw; ++j) {
                const int64_t ih = oh * c.sh - c.pt + i * c.dh, iw = ow * c.sw - c.pl + j * c.dw;
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                s += w[((o * c.Cg + ci) * c.kh + i) * c.kw + j] *
                     x[((n * c.C() + g * c.Cg + ci) * c.H + ih) * c.W + iw];
              }
            }
          }
          y[((n * c.O() + o) * c.OH() + oh) * c.OW() + ow] = s;
        }
      }
    }
  }
  return y;
}

std::vector<OpInput> conv_inputs(const ConvCase& c, bool data_input) {
  std::vector<OpInput> in;
  const Shape xs{c.B, c.C(), c.H, c.W};
  in.push_back(data_input ? OpInput::data(xs) : OpInput::param(xs));
  in.push_back(OpInput::param({c.O(), c.Cg, c.kh, c.kw}));
  if (c.bias) in.push_back(OpInput::param({c.O()}));
  return in;
}

std::string conv_error(const Shape& x, const Shape& w, const Attrs& a, const Shape& bias = {}) {
  std::vector<Shape> params{w};
  if (!bias.empty()) params.push_back(bias);
  return op_shape_error(OpKind::Conv2d, x, params, a);
}

}  // namespace

TEST_CASE("conv2d value equals the direct sum over kernel taps") {
  Rng rng(21);
  for (int t = 0; t < 12; ++t) {
    const ConvCase c = random_case(rng);
    CAPTURE(c.describe());
    std::vector<OpInput> in = conv_inputs(c, true);
    for (OpInput& i : in) i.values = float_values(numel(i.shape), rng);
    const OpModel om = op_model(OpKind::Conv2d, c.attrs(), in, 1);
    const Eigen::VectorXd y = outputs(om.model, om.data, om.model.theta);
    const std::vector<double> ref =
        direct_conv(c, in[0].values, in[1].values, c.bias ? in[2].values : std::vector<double>{});
    REQUIRE(y.size() == static_cast<int64_t>(ref.size()));
    CHECK(rel_err(y, Eigen::Map<const Eigen::VectorXd>(ref.data(), ref.size())) < kValueTol);
  }
}

TEST_CASE("conv2d derivatives: input as parameter and as data") {
  Rng rng(5);
  for (int t = 0; t < 10; ++t) {
    const ConvCase c = random_case(rng);
    CAPTURE(c.describe());
    check_op(OpKind::Conv2d, c.attrs(), conv_inputs(c, false), 100 + t);
    check_op(OpKind::Conv2d, c.attrs(), conv_inputs(c, true), 200 + t);
  }
}

// The value against the definition and the rules against finite differences, the input as a
// parameter and as data.
static void check_case(const ConvCase& c, Rng& rng) {
  CAPTURE(c.describe());
  std::vector<OpInput> in = conv_inputs(c, true);
  for (OpInput& i : in) i.values = float_values(numel(i.shape), rng);
  const OpModel om = op_model(OpKind::Conv2d, c.attrs(), in, 1);
  const Eigen::VectorXd y = outputs(om.model, om.data, om.model.theta);
  const std::vector<double> ref =
      direct_conv(c, in[0].values, in[1].values, c.bias ? in[2].values : std::vector<double>{});
  REQUIRE(y.size() == static_cast<int64_t>(ref.size()));
  CHECK(rel_err(y, Eigen::Map<const Eigen::VectorXd>(ref.data(), ref.size())) < kValueTol);
  check_op(OpKind::Conv2d, c.attrs(), conv_inputs(c, false), 7);
  check_op(OpKind::Conv2d, c.attrs(), conv_inputs(c, true), 8);
}

TEST_CASE("conv2d special geometries") {
  // 1x1 kernel; stride larger than the kernel (taps skipped); kernel as large as the padded input;
  // depthwise (groups = channels).
  const ConvCase cases[] = {
      {2, 1, 3, 2, 4, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, true},
      {1, 1, 2, 2, 7, 6, 2, 2, 3, 3, 1, 1, 0, 1, 0, 1, false},
      {2, 1, 1, 2, 3, 3, 4, 5, 1, 1, 1, 1, 1, 1, 0, 1, true},
      {2, 4, 1, 1, 5, 5, 3, 3, 1, 2, 2, 1, 1, 1, 1, 1, true},
  };
  Rng rng(76);
  for (const ConvCase& c : cases) check_case(c, rng);
}

TEST_CASE("conv2d stride 1: direct kernels and im2col agree with the definition") {
  // Stride-1 layers of up to 64 channels per group run the direct kernels on padded planes, wider
  // ones im2col + GEMM: output channels not a multiple of the kernels' row block, groups, dilation,
  // asymmetric padding, 1×1 and wide kernels, a plane longer than one float sum's chunk (2,048
  // positions), and 65 channels (im2col).
  const ConvCase cases[] = {
      {2, 1, 3, 5, 6, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true},
      {1, 2, 2, 3, 5, 9, 2, 3, 1, 1, 2, 1, 0, 2, 1, 0, false},
      {2, 1, 1, 6, 4, 4, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, true},
      {1, 1, 2, 2, 5, 4, 1, 5, 1, 1, 1, 1, 0, 2, 0, 2, true},
      {1, 1, 1, 2, 50, 47, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true},
      {1, 1, 65, 1, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, false},
  };
  Rng rng(77);
  for (const ConvCase& c : cases) check_case(c, rng);
}

TEST_CASE("conv2d in float sums the weight's B·OH·OW terms without float's growing error") {
  // 128 images of 28×28, a 3×3 kernel with padding 1: 100,352 terms in every weight and bias
  // derivative, more than one float GEMM sums accurately. The input as data
  // (only W̄ and W̄̇ sum over the batch) and as a parameter (the curvature term ȳ ⋆ ẋ too).
  const ConvCase c{128, 1, 2, 3, 28, 28, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, true};
  for (const bool data_input : {true, false}) {
    CAPTURE(data_input);
    const double err = float_error(OpKind::Conv2d, c.attrs(), conv_inputs(c, data_input), 41);
    MESSAGE("float against double: " << err);
    CHECK(err < kLongSumFloatTol);
  }
}

TEST_CASE("conv2d shape errors name the node and the cause") {
  Attrs plain;
  std::string e = conv_error({2, 3, 8, 8}, {4, 2, 3, 3}, plain);
  CHECK(contains(e, "node 'bad' (conv2d)"));
  CHECK(contains(e, "has 3 channels"));

  Attrs g2;
  g2.set("groups", int64_t{2});
  e = conv_error({2, 3, 8, 8}, {4, 1, 3, 3}, g2);
  CHECK(contains(e, "node 'bad'"));
  CHECK(contains(e, "groups 2 does not divide the input's 3 channels"));
  e = conv_error({2, 4, 8, 8}, {3, 2, 3, 3}, g2);
  CHECK(contains(e, "does not divide the weight's 3 output channels"));

  e = conv_error({2, 1, 4, 4}, {2, 1, 5, 3}, plain);
  CHECK(contains(e, "node 'bad'"));
  CHECK(contains(e, "larger than the padded input"));

  Attrs dil;
  dil.set("dilation", std::vector<int64_t>{1, 3});
  e = conv_error({2, 1, 6, 6}, {2, 1, 3, 3}, dil);
  CHECK(contains(e, "width 3 (dilation 3) is larger than the padded input"));

  Attrs pad3;
  pad3.set("padding", std::vector<int64_t>{1, 1, 1});
  e = conv_error({2, 1, 6, 6}, {2, 1, 3, 3}, pad3);
  CHECK(contains(e, "attribute 'padding' needs 4 values"));

  Attrs stride0;
  stride0.set("stride", std::vector<int64_t>{0, 1});
  CHECK(contains(conv_error({2, 1, 6, 6}, {2, 1, 3, 3}, stride0), "attribute 'stride'"));

  CHECK(contains(conv_error({2, 1, 6, 6}, {2, 1, 3, 3}, plain, {3}),
                 "bias [3] does not match weight"));
  CHECK(contains(conv_error({2, 6, 6}, {2, 1, 3}, plain), "input must be [B, C, H, W]"));
  CHECK(conv_error({2, 1, 6, 6}, {2, 1, 3, 3}, plain, {2}).empty());
}
