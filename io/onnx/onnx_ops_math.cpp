// ONNX arithmetic, products, activations, softmax and reductions: Add, Sub, Mul, Div, Pow, Neg,
// Sqrt, Erf, MatMul, Gemm, Relu, LeakyRelu, Tanh, Sigmoid, Softplus, Gelu, Softmax, LogSoftmax,
// ReduceMean (and the importer's hess.Silu). Arithmetic on known tensors folds at import time.
#include <cmath>

#include "engine/op_kind.h"
#include "io/onnx/onnx_common.h"
#include "io/onnx/onnx_converter.h"

namespace hess::onnx_import {

namespace {

ElemKind result_kind(const StaticTensor& a, const StaticTensor& b) {
  return a.kind == ElemKind::Real || b.kind == ElemKind::Real ? ElemKind::Real : ElemKind::Integer;
}

double divide(double a, double b, ElemKind kind) {
  if (kind != ElemKind::Real && b == 0.0) fault("divides an integer by zero");
  return a / b;
}

template <OpKind Kind>
void binary(Converter& c) {
  c.attrs().only({});
  Value& a = c.input(0);
  Value& b = c.input(1);
  if (a.known && b.known) {
    const ElemKind kind = result_kind(a.st, b.st);
    c.set_known(0, fold_binary(a.st, b.st, kind, [kind](double x, double y) {
                  switch (Kind) {
                    case OpKind::Add:
                      return x + y;
                    case OpKind::Sub:
                      return x - y;
                    case OpKind::Mul:
                      return x * y;
                    default:
                      return divide(x, y, kind);
                  }
                }));
    return;
  }
  c.set_output(0, c.dynamic(c.emit(Kind, {c.engine(a), c.engine(b)})));
}

// A scalar engine constant named after the node.
int scalar_constant(Converter& c, double v, const std::string& suffix) {
  return c.emitter().constant(c.node().name() + suffix, Tensor<double>(Shape{}, {v}));
}

void power(Converter& c) {
  c.attrs().only({});
  Value& x = c.input(0);
  Value& e = c.input(1);
  if (x.known && e.known) {
    c.set_known(0, fold_binary(x.st, e.st, result_kind(x.st, e.st),
                               [](double a, double b) { return std::pow(a, b); }));
    return;
  }
  if (!e.known || e.st.v0.size() != 1 || e.st.batch_dependent())
    fault("raises activations to a power that is not one constant");
  const double p = e.st.v0[0];
  if (p == 1.0) {
    c.set_output(0, x);
  } else if (p == 2.0) {
    const int n = c.engine(x);
    c.set_output(0, c.dynamic(c.emit(OpKind::Mul, {n, n})));
  } else {
    fault("raises activations to the power " + std::to_string(p) + "; only 1 and 2 are supported");
  }
}

void negate(Converter& c) {
  c.attrs().only({});
  Value& x = c.input(0);
  if (x.known) {
    c.set_known(0, fold_unary(x.st, x.st.kind, [](double v) { return -v; }));
    return;
  }
  c.set_output(
      0, c.dynamic(c.emit(OpKind::Mul, {c.engine(x), scalar_constant(c, -1.0, "/minus_one")})));
}

// Ops the engine has no rule for on activations; they fold on constants.
template <double (*F)(double)>
void constant_only(Converter& c, const char* where) {
  c.attrs().only({});
  Value& x = c.input(0);
  if (!x.known)
    fault(std::string("is applied to activations; the engine supports it only ") + where);
  c.set_known(0, fold_unary(x.st, ElemKind::Real, [](double v) { return F(v); }));
}

double sqrt_fn(double v) {
  return std::sqrt(v);
}
double erf_fn(double v) {
  return std::erf(v);
}
void square_root(Converter& c) {
  constant_only<sqrt_fn>(c, "inside the LayerNorm pattern");
}
void erf(Converter& c) {
  constant_only<erf_fn>(c, "inside the GELU pattern 0.5·x·(1 + erf(x/√2))");
}

void matmul(Converter& c) {
  c.attrs().only({});
  Value& a = c.input(0);
  Value& b = c.input(1);
  if (c.shape_of(a).size() < 2 || c.shape_of(b).size() < 2)
    fault("MatMul with a 1-D operand is not supported");
  c.set_output(0, c.dynamic(c.emit(OpKind::MatMul, {c.engine(a), c.engine(b)})));
}

// Y = alpha · op(A) op(B) + beta · C; with transB, alpha = 1 and a bias vector: one engine linear.
void gemm(Converter& c) {
  c.attrs().only({"alpha", "beta", "transA", "transB"});
  const double alpha = c.attrs().get_float("alpha", 1.0), beta = c.attrs().get_float("beta", 1.0);
  const bool trans_a = c.attrs().get_int("transA", 0) != 0,
             trans_b = c.attrs().get_int("transB", 0) != 0;
  Value& a = c.input(0);
  Value& b = c.input(1);
  const Shape sb = c.shape_of(b);
  if (c.shape_of(a).size() != 2 || sb.size() != 2) fault("Gemm operands must be matrices");
  int x = c.engine(a);
  if (trans_a) {
    Attrs t;
    t.set("perm", std::vector<int64_t>{1, 0});
    x = c.emit(OpKind::Transpose, {x}, t, "/transA");
  }
  const bool bias_in_linear = trans_b && alpha == 1.0 && beta == 1.0 && c.has_input(2) &&
                              c.shape_of(c.input(2)) == Shape{sb[0]};
  int y;
  if (trans_b) {
    std::vector<int> ins{x, c.engine(b)};
    if (bias_in_linear) ins.push_back(c.engine_input(2));
    y = c.emit(OpKind::Linear, ins);
  } else {
    y = c.emit(OpKind::MatMul, {x, c.engine(b)});
  }
  if (alpha != 1.0)
    y = c.emit(OpKind::Mul, {y, scalar_constant(c, alpha, "/alpha")}, {}, "/scaled");
  if (c.has_input(2) && !bias_in_linear) {
    int bias = c.engine_input(2);
    if (beta != 1.0)
      bias = c.emit(OpKind::Mul, {bias, scalar_constant(c, beta, "/beta")}, {}, "/beta_c");
    y = c.emit(OpKind::Add, {y, bias}, {}, "/bias");
  }
  c.set_output(0, c.dynamic(y));
}

template <OpKind Kind>
void unary(Converter& c) {
  c.attrs().only({});
  c.set_output(0, c.dynamic(c.emit(Kind, {c.engine_input(0)})));
}

void leaky_relu(Converter& c) {
  c.attrs().only({"alpha"});
  Attrs a;
  a.set("alpha", c.attrs().get_float("alpha", 0.01));
  c.set_output(0, c.dynamic(c.emit(OpKind::LeakyRelu, {c.engine_input(0)}, a)));
}

void gelu(Converter& c) {
  c.attrs().only({"approximate"});
  const std::string form = c.attrs().get_string("approximate", "none");
  if (form != "none" && form != "tanh")
    fault("approximate = '" + form + "' is not 'none' or 'tanh'");
  const OpKind kind = form == "tanh" ? OpKind::GeluTanh : OpKind::Gelu;
  c.set_output(0, c.dynamic(c.emit(kind, {c.engine_input(0)})));
}

// An axis of the input that is not the batch axis, normalized.
int64_t sample_axis(Converter& c, Value& x, int64_t axis) {
  const int64_t a = normalize_axis(axis, static_cast<int64_t>(c.shape_of(x).size()), "axis");
  if (!x.known && a == x.digit.axis) fault("works along the batch axis, which mixes samples");
  return a;
}

template <OpKind Kind>
void softmax(Converter& c) {
  c.attrs().only({"axis"});
  Value& x = c.input(0);
  Attrs a;
  a.set("axis", sample_axis(c, x, c.attrs().get_int("axis", -1)));
  c.set_output(0, c.dynamic(c.emit(Kind, {c.engine(x)}, a)));
}

void reduce_mean(Converter& c) {
  c.attrs().only({"axes", "keepdims"});
  Value& x = c.input(0);
  const int64_t r = static_cast<int64_t>(c.shape_of(x).size());
  std::vector<int64_t> all(r);
  for (int64_t i = 0; i < r; ++i) all[i] = i;
  std::vector<int64_t> axes = c.attrs().get_ints("axes", all);
  for (int64_t& ax : axes) ax = sample_axis(c, x, ax);
  Attrs a;
  a.set("axes", axes);
  a.set("keepdims", c.attrs().get_int("keepdims", 1) != 0 ? int64_t{1} : int64_t{0});
  c.set_output(0, c.dynamic(c.emit(OpKind::ReduceMean, {c.engine(x)}, a)));
}

}  // namespace

void add_math_handlers(HandlerTable& t) {
  t["Add"] = binary<OpKind::Add>;
  t["Sub"] = binary<OpKind::Sub>;
  t["Mul"] = binary<OpKind::Mul>;
  t["Div"] = binary<OpKind::Div>;
  t["Pow"] = power;
  t["Neg"] = negate;
  t["Sqrt"] = square_root;
  t["Erf"] = erf;
  t["MatMul"] = matmul;
  t["Gemm"] = gemm;
  t["Relu"] = unary<OpKind::Relu>;
  t["Tanh"] = unary<OpKind::Tanh>;
  t["Sigmoid"] = unary<OpKind::Sigmoid>;
  t["Softplus"] = unary<OpKind::Softplus>;
  t["hess.Silu"] = unary<OpKind::Silu>;
  t["LeakyRelu"] = leaky_relu;
  t["Gelu"] = gelu;
  t["Softmax"] = softmax<OpKind::Softmax>;
  t["LogSoftmax"] = softmax<OpKind::LogSoftmax>;
  t["ReduceMean"] = reduce_mean;
}

}  // namespace hess::onnx_import
