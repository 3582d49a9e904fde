#include "engine/ops/binary.h"

#include <algorithm>

#include "engine/ops/broadcast.h"

namespace hess {

// Every binary op is y = f(a, b) elementwise after broadcasting, given by its partial derivatives
// (f_a, f_b) and second derivatives (f_aa, f_ab, f_bb):
//   tangent          ẏ = f_a ȧ + f_b ḃ
//   adjoint          ā += f_a ȳ,  b̄ += f_b ȳ           (summed over broadcast positions)
//   adjoint_tangent  ā̇ += f_a ȳ̇ + ȳ (f_aa ȧ + f_ab ḃ),  b̄̇ += f_b ȳ̇ + ȳ (f_ab ȧ + f_bb ḃ)

namespace {

template <class T>
struct Partials {
  T y, a, b, aa, ab, bb;
};

// One line per function and its partials, read as a table.
// clang-format off
struct AddFn {  // d(a + b) = da + db
  static constexpr int kSignB = 1;
  template <class T> static Partials<T> at(T a, T b) { return {a + b, T(1), T(1), T(0), T(0), T(0)}; }
};
struct SubFn {  // d(a - b) = da - db
  static constexpr int kSignB = -1;
  template <class T> static Partials<T> at(T a, T b) { return {a - b, T(1), T(-1), T(0), T(0), T(0)}; }
};
struct MulFn {  // d(a b) = b da + a db ; d²(a b) = 2 da db
  template <class T> static Partials<T> at(T a, T b) { return {a * b, b, a, T(0), T(1), T(0)}; }
};
struct DivFn {  // d(a / b) = da / b - a db / b² ; d²: f_ab = -1/b², f_bb = 2a/b³
  template <class T> static Partials<T> at(T a, T b) {
    const T r = T(1) / b;
    return {a * r, r, -a * r * r, T(0), -r * r, T(2) * a * r * r * r};
  }
};
// clang-format on

// Flat index maps from the output into each operand (empty: same shape as the output).
struct BinaryPlan {
  int64_t n = 0, na = 0, nb = 0;
  std::vector<int64_t> ia, ib;
  int64_t a(int64_t i) const { return ia.empty() ? i : ia[i]; }
  int64_t b(int64_t i) const { return ib.empty() ? i : ib[i]; }
};

template <class T>
BinaryPlan plan(const OpCall<T>& c) {
  BinaryPlan p;
  const Shape& out = c.out.val.shape();
  const Shape& sa = c.in(0).val.shape();
  const Shape& sb = c.in(1).val.shape();
  p.n = numel(out);
  p.na = numel(sa);
  p.nb = numel(sb);
  if (sa != out) p.ia = broadcast_index(sa, out);
  if (sb != out) p.ib = broadcast_index(sb, out);
  return p;
}

// a ± b (F::kSignB): constant partials and no second derivatives. Without broadcasting its
// derivative rules are plain vector sums (Linear below) and read neither values nor ȳ.
template <class F>
constexpr bool is_signed_sum() {
  return requires {
    F::kSignB;
  };
}

template <class F>
struct Linear {
  // dst (+)= sign · src over n elements
  template <class T>
  static void add(T* dst, const T* src, int64_t n, int sign) {
    if (sign > 0) {
      VecMap<T>(dst, n) += ConstVecMap<T>(src, n);
    } else {
      VecMap<T>(dst, n) -= ConstVecMap<T>(src, n);
    }
  }
  // ẏ = ȧ ± ḃ
  template <class T>
  static void tangent(OpCall<T>& c, int64_t n) {
    Slot<T>& A = c.in(0);
    Slot<T>& B = c.in(1);
    for (int j = 0; j < c.k; ++j) {
      T* yd = c.out.tan.data() + j * n;
      if (A.varies) {
        std::copy(A.tan.data() + j * n, A.tan.data() + (j + 1) * n, yd);
      } else {
        std::fill(yd, yd + n, T(0));
      }
      if (B.varies) add(yd, B.tan.data() + j * n, n, F::kSignB);
    }
  }
  // ā̇ += ȳ̇,  b̄̇ ±= ȳ̇
  template <class T>
  static void adjoint_tangent(OpCall<T>& c, int64_t n) {
    Slot<T>& A = c.in(0);
    Slot<T>& B = c.in(1);
    for (int j = 0; j < c.k; ++j) {
      const T* ybd = c.out.adjt.data() + j * n;
      if (A.want_adjt) add(A.adjt.data() + j * n, ybd, n, 1);
      if (B.want_adjt) add(B.adjt.data() + j * n, ybd, n, F::kSignB);
    }
  }
};

// The partials at element (ia, ib); a ± b's are constants, read without the operands' values (the
// op table says its rules read none, so a kept batch does not hold them).
template <class F, class T>
Partials<T> partials_at(const Slot<T>& A, const Slot<T>& B, int64_t ia, int64_t ib) {
  if constexpr (is_signed_sum<F>()) {
    return F::at(T(0), T(0));
  } else {
    return F::at(A.val.at(ia), B.val.at(ib));
  }
}

template <class F>
struct Binary {
  template <class T>
  static void value(OpCall<T>& c) {
    const BinaryPlan p = plan(c);
    const T* a = c.in(0).val.data();
    const T* b = c.in(1).val.data();
    T* y = c.out.val.data();
    for (int64_t i = 0; i < p.n; ++i) y[i] = F::at(a[p.a(i)], b[p.b(i)]).y;
  }
  template <class T>
  static void tangent(OpCall<T>& c) {
    const BinaryPlan p = plan(c);
    if constexpr (is_signed_sum<F>()) {
      if (p.ia.empty() && p.ib.empty()) return Linear<F>::tangent(c, p.n);
    }
    Slot<T>& A = c.in(0);
    Slot<T>& B = c.in(1);
    for (int j = 0; j < c.k; ++j) {
      T* yd = c.out.tan.data() + j * p.n;
      for (int64_t i = 0; i < p.n; ++i) {
        const Partials<T> d = partials_at<F>(A, B, p.a(i), p.b(i));
        T v = T(0);
        if (A.varies) v += d.a * A.tan.at(j * p.na + p.a(i));
        if (B.varies) v += d.b * B.tan.at(j * p.nb + p.b(i));
        yd[i] = v;
      }
    }
  }
  template <class T>
  static void adjoint(OpCall<T>& c) {
    const BinaryPlan p = plan(c);
    Slot<T>& A = c.in(0);
    Slot<T>& B = c.in(1);
    const T* yb = c.out.adj.data();
    for (int64_t i = 0; i < p.n; ++i) {
      const Partials<T> d = partials_at<F>(A, B, p.a(i), p.b(i));
      if (A.want_adj) A.adj.at(p.a(i)) += d.a * yb[i];
      if (B.want_adj) B.adj.at(p.b(i)) += d.b * yb[i];
    }
  }
  template <class T>
  static void adjoint_tangent(OpCall<T>& c) {
    const BinaryPlan p = plan(c);
    if constexpr (is_signed_sum<F>()) {
      if (p.ia.empty() && p.ib.empty()) return Linear<F>::adjoint_tangent(c, p.n);
    }
    Slot<T>& A = c.in(0);
    Slot<T>& B = c.in(1);
    const bool curv = !is_signed_sum<F>() && c.out.adj_on;  // a ± b: no second derivatives
    for (int j = 0; j < c.k; ++j) {
      const T* ybd = c.out.adjt.data() + j * p.n;
      for (int64_t i = 0; i < p.n; ++i) {
        const int64_t ia = p.a(i), ib = p.b(i);
        const Partials<T> d = partials_at<F>(A, B, ia, ib);
        const T ad = A.varies ? A.tan.at(j * p.na + ia) : T(0);
        const T bd = B.varies ? B.tan.at(j * p.nb + ib) : T(0);
        const T yb = curv ? c.out.adj.at(i) : T(0);
        if (A.want_adjt) A.adjt.at(j * p.na + ia) += d.a * ybd[i] + yb * (d.aa * ad + d.ab * bd);
        if (B.want_adjt) B.adjt.at(j * p.nb + ib) += d.b * ybd[i] + yb * (d.ab * ad + d.bb * bd);
      }
    }
  }
};

}  // namespace

// clang-format off
#define HESS_BINARY_OP(Op, Fn)                                                                       \
  Shape Op::infer(const Node&, const std::vector<Shape>& in) { return broadcast_shapes(in[0], in[1]); } \
  template <class T>                                                                                 \
  void Op::value(OpCall<T>& c) {                                                                     \
    Binary<Fn>::value(c);                                                                            \
  }                                                                                                  \
  template <class T>                                                                                 \
  void Op::tangent(OpCall<T>& c) {                                                                   \
    Binary<Fn>::tangent(c);                                                                          \
  }                                                                                                  \
  template <class T>                                                                                 \
  void Op::adjoint(OpCall<T>& c) {                                                                   \
    Binary<Fn>::adjoint(c);                                                                          \
  }                                                                                                  \
  template <class T>                                                                                 \
  void Op::adjoint_tangent(OpCall<T>& c) {                                                           \
    Binary<Fn>::adjoint_tangent(c);                                                                  \
  }                                                                                                  \
  HESS_INSTANTIATE_OP(Op)
// clang-format on

HESS_BINARY_OP(AddOp, AddFn)
HESS_BINARY_OP(SubOp, SubFn)
HESS_BINARY_OP(MulOp, MulFn)
HESS_BINARY_OP(DivOp, DivFn)

}  // namespace hess
