#include "engine/ops/activation.h"

#include <cmath>

namespace hess {

// Every activation is y = f(x) elementwise, given by f, f' and f'':
//   tangent          ẏ = f'(x) ẋ
//   adjoint          x̄ += f'(x) ȳ
//   adjoint_tangent  x̄̇ += f'(x) ȳ̇ + f''(x) ẋ ȳ
// Where f' and f'' are functions of the output y alone (ReLU: [y > 0], tanh, sigmoid, identity) the
// rules compute them from y: no cache, so a kept batch holds the output alone for such an
// activation (its rules read it: the op table's reads), not the output and one or two caches of
// its size, and nothing is rebuilt on restoring one. Otherwise the value rule caches f' and f'' in
// aux ([f' | f'']) for the other rules; piecewise-linear functions (f'' = 0 away from the kinks)
// cache f' alone.

namespace {

constexpr double kSqrt2OverPi = 0.79788456080286535588;  // √(2/π)
constexpr double kInvSqrt2 = 0.70710678118654752440;     // 1/√2
constexpr double kInvSqrt2Pi = 0.39894228040143267794;   // 1/√(2π)
constexpr double kGeluTanhCubic = 0.044715;

template <class T>
T sigmoid(T x) {
  return x >= T(0) ? T(1) / (T(1) + std::exp(-x)) : std::exp(x) / (T(1) + std::exp(x));
}

// One line per function and derivative, read as a table.
// clang-format off
struct ReluFn {  // d relu = [y > 0] dx ; d² relu = 0 away from the kink
  static constexpr bool kPiecewiseLinear = true;
  static constexpr bool kFromOutput = true;
  explicit ReluFn(const Node&) {}
  template <class T> T f(T x) const { return x > T(0) ? x : T(0); }
  template <class T> T df(T, T y) const { return y > T(0) ? T(1) : T(0); }
  template <class T> T d2f(T, T) const { return T(0); }
};

struct LeakyReluFn {  // d leaky_relu = (x > 0 ? 1 : α) dx ; d² = 0 away from the kink
  static constexpr bool kPiecewiseLinear = true;
  double alpha;
  explicit LeakyReluFn(const Node& n) : alpha(n.attrs.get_float("alpha", 0.01)) {}
  template <class T> T f(T x) const { return x > T(0) ? x : T(alpha) * x; }
  template <class T> T df(T x, T) const { return x > T(0) ? T(1) : T(alpha); }
  template <class T> T d2f(T, T) const { return T(0); }
};

struct TanhFn {  // d tanh = (1 - y²) dx ; d² tanh = -2 y (1 - y²) dx²
  static constexpr bool kFromOutput = true;
  explicit TanhFn(const Node&) {}
  template <class T> T f(T x) const { return std::tanh(x); }
  template <class T> T df(T, T y) const { return T(1) - y * y; }
  template <class T> T d2f(T, T y) const { return T(-2) * y * (T(1) - y * y); }
};

struct SigmoidFn {  // d σ = y (1 - y) dx ; d² σ = y (1 - y)(1 - 2y) dx²
  static constexpr bool kFromOutput = true;
  explicit SigmoidFn(const Node&) {}
  template <class T> T f(T x) const { return sigmoid(x); }
  template <class T> T df(T, T y) const { return y * (T(1) - y); }
  template <class T> T d2f(T, T y) const { return y * (T(1) - y) * (T(1) - T(2) * y); }
};

struct GeluFn {  // y = x Φ(x): d gelu = (Φ + x φ) dx ; d² gelu = φ (2 - x²) dx²
  explicit GeluFn(const Node&) {}
  template <class T> static T Phi(T x) { return T(0.5) * (T(1) + std::erf(x * T(kInvSqrt2))); }
  template <class T> static T phi(T x) { return T(kInvSqrt2Pi) * std::exp(T(-0.5) * x * x); }
  template <class T> T f(T x) const { return x * Phi(x); }
  template <class T> T df(T x, T) const { return Phi(x) + x * phi(x); }
  template <class T> T d2f(T x, T) const { return phi(x) * (T(2) - x * x); }
};

struct GeluTanhFn {  // y = ½ x (1 + t), t = tanh(u), u = √(2/π)(x + 0.044715 x³)
  explicit GeluTanhFn(const Node&) {}
  template <class T> static T u(T x) { return T(kSqrt2OverPi) * (x + T(kGeluTanhCubic) * x * x * x); }
  template <class T> static T du(T x) { return T(kSqrt2OverPi) * (T(1) + T(3 * kGeluTanhCubic) * x * x); }
  template <class T> static T d2u(T x) { return T(kSqrt2OverPi) * T(6 * kGeluTanhCubic) * x; }
  template <class T> T f(T x) const { return T(0.5) * x * (T(1) + std::tanh(u(x))); }
  // d y = [½(1 + t) + ½ x (1 - t²) u'] dx
  template <class T> T df(T x, T) const {
    const T t = std::tanh(u(x));
    return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * du(x);
  }
  // d² y = [(1 - t²) u' + ½ x ((1 - t²) u'' - 2 t (1 - t²) u'²)] dx²
  template <class T> T d2f(T x, T) const {
    const T t = std::tanh(u(x));
    const T s = T(1) - t * t;
    const T d = du(x);
    return s * d + T(0.5) * x * (s * d2u(x) - T(2) * t * s * d * d);
  }
};

struct SiluFn {  // y = x σ(x): d silu = (σ + x σ(1 - σ)) dx ; d² silu = σ(1 - σ)(2 + x(1 - 2σ)) dx²
  explicit SiluFn(const Node&) {}
  template <class T> T f(T x) const { return x * sigmoid(x); }
  template <class T> T df(T x, T) const {
    const T s = sigmoid(x);
    return s + x * s * (T(1) - s);
  }
  template <class T> T d2f(T x, T) const {
    const T s = sigmoid(x);
    return s * (T(1) - s) * (T(2) + x * (T(1) - T(2) * s));
  }
};

struct SoftplusFn {  // y = log(1 + eˣ): d softplus = σ(x) dx ; d² softplus = σ(1 - σ) dx²
  explicit SoftplusFn(const Node&) {}
  template <class T> T f(T x) const { return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }
  template <class T> T df(T x, T) const { return sigmoid(x); }
  template <class T> T d2f(T x, T) const {
    const T s = sigmoid(x);
    return s * (T(1) - s);
  }
};

struct IdentityFn {  // dropout in eval mode: d y = dx
  static constexpr bool kPiecewiseLinear = true;
  static constexpr bool kFromOutput = true;
  explicit IdentityFn(const Node&) {}
  template <class T> T f(T x) const { return x; }
  template <class T> T df(T, T) const { return T(1); }
  template <class T> T d2f(T, T) const { return T(0); }
};
// clang-format on

// Whether f'' may be non-zero: piecewise-linear functions say kPiecewiseLinear, and their
// adjoint-tangent skips the f''(x) ẋ ȳ term (zero away from the kinks) and its three reads.
template <class F>
constexpr bool has_second_derivative() {
  if constexpr (requires { F::kPiecewiseLinear; }) {
    return !F::kPiecewiseLinear;
  } else {
    return true;
  }
}

// Whether f' and f'' are read from the output y (df(x, y) and d2f(x, y) ignore x), with no cache.
template <class F>
constexpr bool from_output() {
  if constexpr (requires { F::kFromOutput; }) {
    return F::kFromOutput;
  } else {
    return false;
  }
}

// f' and f'' of element i: from the output, or from the value rule's cache.
template <class F, class T>
class Slopes {
 public:
  Slopes(const F& fn, const OpCall<T>& c) : fn_(fn), n_(c.out.val.size()) {
    src_ = from_output<F>() ? c.out.val.data() : c.out.aux.data();
  }
  T d1(int64_t i) const {
    if constexpr (from_output<F>()) {
      return fn_.df(T(0), src_[i]);
    } else {
      return src_[i];
    }
  }
  // Read only when has_second_derivative<F>() (a piecewise-linear cache holds f' alone).
  T d2(int64_t i) const {
    if constexpr (from_output<F>()) {
      return fn_.d2f(T(0), src_[i]);
    } else {
      return src_[n_ + i];
    }
  }

 private:
  const F& fn_;
  int64_t n_;
  const T* src_;
};

template <class F>
struct Unary {
  template <class T>
  static void value(OpCall<T>& c) {
    const F fn(c.node);
    const int64_t n = c.in(0).val.size();
    const T* x = c.in(0).val.data();
    T* y = c.out.val.data();
    for (int64_t i = 0; i < n; ++i) y[i] = fn.f(x[i]);
    if constexpr (!from_output<F>()) {
      constexpr bool curved = has_second_derivative<F>();
      c.out.aux.resize({curved ? 2 : 1, n});
      T* d1 = c.out.aux.data();
      for (int64_t i = 0; i < n; ++i) d1[i] = fn.df(x[i], y[i]);
      if constexpr (curved) {
        T* d2 = d1 + n;
        for (int64_t i = 0; i < n; ++i) d2[i] = fn.d2f(x[i], y[i]);
      }
    }
  }
  template <class T>
  static void tangent(OpCall<T>& c) {
    const F fn(c.node);
    const Slopes<F, T> s(fn, c);
    const int64_t n = c.in(0).val.size();
    for (int j = 0; j < c.k; ++j) {
      const T* xd = c.in(0).tan.data() + j * n;
      T* yd = c.out.tan.data() + j * n;
      for (int64_t i = 0; i < n; ++i) yd[i] = s.d1(i) * xd[i];
    }
  }
  template <class T>
  static void adjoint(OpCall<T>& c) {
    const F fn(c.node);
    const Slopes<F, T> s(fn, c);
    const int64_t n = c.in(0).val.size();
    const T* yb = c.out.adj.data();
    T* xb = c.in(0).adj.data();
    for (int64_t i = 0; i < n; ++i) xb[i] += s.d1(i) * yb[i];
  }
  // x̄̇ += (or, fresh, =) f' ȳ̇ + f'' ẋ ȳ
  template <class T>
  static void adjoint_tangent(OpCall<T>& c) {
    if (!c.in(0).want_adjt) return;
    const F fn(c.node);
    const Slopes<F, T> s(fn, c);
    const bool add = !take_fresh(c.in(0));
    const int64_t n = c.in(0).val.size();
    const T* yb = c.out.adj.data();
    const bool curv = has_second_derivative<F>() && c.out.adj_on;
    for (int j = 0; j < c.k; ++j) {
      const T* ybd = c.out.adjt.data() + j * n;
      const T* xd = c.in(0).tan.data() + j * n;
      T* xbd = c.in(0).adjt.data() + j * n;
      if (curv) {
        for (int64_t i = 0; i < n; ++i) {
          const T v = s.d1(i) * ybd[i] + s.d2(i) * xd[i] * yb[i];
          xbd[i] = add ? xbd[i] + v : v;
        }
      } else {
        for (int64_t i = 0; i < n; ++i) xbd[i] = add ? xbd[i] + s.d1(i) * ybd[i] : s.d1(i) * ybd[i];
      }
    }
  }
};

}  // namespace

// clang-format off
#define HESS_UNARY_OP(Op, Fn)                                                  \
  Shape Op::infer(const Node&, const std::vector<Shape>& in) { return in[0]; } \
  template <class T>                                                           \
  void Op::value(OpCall<T>& c) {                                               \
    Unary<Fn>::value(c);                                                       \
  }                                                                            \
  template <class T>                                                           \
  void Op::tangent(OpCall<T>& c) {                                             \
    Unary<Fn>::tangent(c);                                                     \
  }                                                                            \
  template <class T>                                                           \
  void Op::adjoint(OpCall<T>& c) {                                             \
    Unary<Fn>::adjoint(c);                                                     \
  }                                                                            \
  template <class T>                                                           \
  void Op::adjoint_tangent(OpCall<T>& c) {                                     \
    Unary<Fn>::adjoint_tangent(c);                                             \
  }                                                                            \
  HESS_INSTANTIATE_OP(Op)
// clang-format on

HESS_UNARY_OP(ReluOp, ReluFn)
HESS_UNARY_OP(LeakyReluOp, LeakyReluFn)
HESS_UNARY_OP(TanhOp, TanhFn)
HESS_UNARY_OP(SigmoidOp, SigmoidFn)
HESS_UNARY_OP(GeluOp, GeluFn)
HESS_UNARY_OP(GeluTanhOp, GeluTanhFn)
HESS_UNARY_OP(SiluOp, SiluFn)
HESS_UNARY_OP(SoftplusOp, SoftplusFn)
HESS_UNARY_OP(DropoutOp, IdentityFn)

}  // namespace hess
