#include "engine/ops/linear.h"

#include <stdexcept>

#include "engine/ops/broadcast.h"

namespace hess {

// ---------------------------------------------------------------------------------------------
// linear: y = x Wᵀ + b over the last axis of x. x [..., in], W [out, in], b [out].
// Rows M = numel(x) / in. Bilinear in (x, W): its curvature terms are ȳ Ẇ and ȳᵀ ẋ.

Shape LinearOp::infer(const Node&, const std::vector<Shape>& in) {
  const Shape& x = in[0];
  const Shape& w = in[1];
  if (w.size() != 2) throw std::invalid_argument("weight must be 2-D, got " + to_string(w));
  if (x.empty() || x.back() != w[1]) {
    throw std::invalid_argument("input " + to_string(x) + " does not have " + std::to_string(w[1]) +
                                " features in its last axis, as weight " + to_string(w) +
                                " expects");
  }
  if (in.size() == 3 && (in[2].size() != 1 || in[2][0] != w[0])) {
    throw std::invalid_argument("bias " + to_string(in[2]) + " does not match weight " +
                                to_string(w));
  }
  Shape y = x;
  y.back() = w[0];
  return y;
}

namespace {
template <class T>
struct LinearDims {
  int64_t M, I, O;
  explicit LinearDims(const OpCall<T>& c)
      : M(c.in(0).val.size() / c.in(1).val.dim(1)), I(c.in(1).val.dim(1)), O(c.in(1).val.dim(0)) {}
};

template <class T>
void add_bias_rows(T* y, const T* b, int64_t rows, int64_t cols) {
  mat(y, rows, cols).rowwise() += ConstVecMap<T>(b, cols).transpose();
}

template <class T>
void add_column_sums(T* dst, const T* src, int64_t rows, int64_t cols) {
  VecMap<T>(dst, cols) += mat(src, rows, cols).colwise().sum().transpose();
}
}  // namespace

// y = x Wᵀ + b
template <class T>
void LinearOp::value(OpCall<T>& c) {
  const LinearDims<T> d(c);
  mat(c.out.val, d.M, d.O).noalias() =
      mat(c.in(0).val, d.M, d.I) * mat(c.in(1).val, d.O, d.I).transpose();
  if (c.has(2)) add_bias_rows(c.out.val.data(), c.in(2).val.data(), d.M, d.O);
}

// ẏ = ẋ Wᵀ + x Ẇᵀ + ḃ
template <class T>
void LinearOp::tangent(OpCall<T>& c) {
  const LinearDims<T> d(c);
  Slot<T>& x = c.in(0);
  Slot<T>& w = c.in(1);
  const int k = c.k;
  auto Y = mat(c.out.tan, k * d.M, d.O);
  if (x.varies) {
    Y.noalias() = mat(x.tan, k * d.M, d.I) * mat(w.val, d.O, d.I).transpose();
  } else {
    Y.setZero();
  }
  for (int j = 0; j < k; ++j) {
    T* yj = c.out.tan.data() + j * d.M * d.O;
    if (w.varies) {
      mat(yj, d.M, d.O).noalias() +=
          mat(x.val, d.M, d.I) * mat(w.tan.data() + j * d.O * d.I, d.O, d.I).transpose();
    }
    if (c.has(2) && c.in(2).varies) add_bias_rows(yj, c.in(2).tan.data() + j * d.O, d.M, d.O);
  }
}

// x̄ += ȳ W,  W̄ += ȳᵀ x,  b̄ += Σ_rows ȳ
template <class T>
void LinearOp::adjoint(OpCall<T>& c) {
  const LinearDims<T> d(c);
  auto Ybar = mat(c.out.adj, d.M, d.O);
  if (c.in(0).want_adj) mat(c.in(0).adj, d.M, d.I).noalias() += Ybar * mat(c.in(1).val, d.O, d.I);
  if (c.in(1).want_adj)
    mat(c.in(1).adj, d.O, d.I).noalias() += Ybar.transpose() * mat(c.in(0).val, d.M, d.I);
  if (c.has(2) && c.in(2).want_adj) add_column_sums(c.in(2).adj.data(), c.out.adj.data(), d.M, d.O);
}

// x̄̇ += ȳ̇ W + ȳ Ẇ,  W̄̇ += ȳ̇ᵀ x + ȳᵀ ẋ,  b̄̇ += Σ_rows ȳ̇   (a fresh x̄̇ or W̄̇: = for the first term)
template <class T>
void LinearOp::adjoint_tangent(OpCall<T>& c) {
  const LinearDims<T> d(c);
  Slot<T>& x = c.in(0);
  Slot<T>& w = c.in(1);
  const int k = c.k;
  const bool curv = c.out.adj_on;
  if (x.want_adjt) {
    auto X = mat(x.adjt, k * d.M, d.I);
    if (take_fresh(x)) {
      X.noalias() = mat(c.out.adjt, k * d.M, d.O) * mat(w.val, d.O, d.I);
    } else {
      X.noalias() += mat(c.out.adjt, k * d.M, d.O) * mat(w.val, d.O, d.I);
    }
    if (curv && w.varies) {
      for (int j = 0; j < k; ++j) {
        mat(x.adjt.data() + j * d.M * d.I, d.M, d.I).noalias() +=
            mat(c.out.adj, d.M, d.O) * mat(w.tan.data() + j * d.O * d.I, d.O, d.I);
      }
    }
  }
  if (w.want_adjt) {
    const bool fresh = take_fresh(w);
    for (int j = 0; j < k; ++j) {
      auto Wj = mat(w.adjt.data() + j * d.O * d.I, d.O, d.I);
      auto first =
          mat(c.out.adjt.data() + j * d.M * d.O, d.M, d.O).transpose() * mat(x.val, d.M, d.I);
      if (fresh) {
        Wj.noalias() = first;
      } else {
        Wj.noalias() += first;
      }
      if (curv && x.varies) {
        Wj.noalias() +=
            mat(c.out.adj, d.M, d.O).transpose() * mat(x.tan.data() + j * d.M * d.I, d.M, d.I);
      }
    }
  }
  if (c.has(2) && c.in(2).want_adjt) {
    for (int j = 0; j < k; ++j) {
      add_column_sums(c.in(2).adjt.data() + j * d.O, c.out.adjt.data() + j * d.M * d.O, d.M, d.O);
    }
  }
}

HESS_INSTANTIATE_OP(LinearOp)

template <class T>
void linear_ggn_diagonal(const OpCall<T>& c, double scale, double* diag_w, double* diag_b) {
  const LinearDims<T> d(c);
  auto Q = mat(c.scratch->get(0, d.M * d.O), d.M, d.O);
  auto X2 = mat(c.scratch->get(1, d.M * d.I), d.M, d.I);
  auto W = mat(c.scratch->get(2, d.O * d.I), d.O, d.I);
  Q.setZero();
  for (int j = 0; j < c.k; ++j)
    Q += mat(c.out.adjt.data() + j * d.M * d.O, d.M, d.O).array().square().matrix();
  X2 = mat(c.in(0).val, d.M, d.I).array().square().matrix();
  W.noalias() = Q.transpose() * X2;
  const T* w = W.data();
  for (int64_t e = 0; e < d.O * d.I; ++e) diag_w[e] += scale * static_cast<double>(w[e]);
  if (!diag_b) return;
  for (int64_t o = 0; o < d.O; ++o) diag_b[o] += scale * static_cast<double>(Q.col(o).sum());
}

template void linear_ggn_diagonal<float>(const OpCall<float>&, double, double*, double*);
template void linear_ggn_diagonal<double>(const OpCall<double>&, double, double*, double*);

// ---------------------------------------------------------------------------------------------
// matmul: C = A B on the last two axes, leading axes broadcast (NumPy). A [..., m, n], B [..., n,
// p].

namespace {
struct MatMulPlan {
  int64_t m, n, p, batch;
  std::vector<int64_t> ia, ib;  // for each output matrix, the A and B matrix it reads
};

Shape lead(const Shape& s) {
  return Shape(s.begin(), s.end() - 2);
}

MatMulPlan plan_matmul(const Shape& a, const Shape& b) {
  MatMulPlan pl;
  pl.m = a[a.size() - 2];
  pl.n = a.back();
  pl.p = b.back();
  const Shape out_lead = broadcast_shapes(lead(a), lead(b));
  pl.batch = numel(out_lead);
  pl.ia = broadcast_index(lead(a), out_lead);
  pl.ib = broadcast_index(lead(b), out_lead);
  return pl;
}
}  // namespace

Shape MatMulOp::infer(const Node&, const std::vector<Shape>& in) {
  const Shape& a = in[0];
  const Shape& b = in[1];
  if (a.size() < 2 || b.size() < 2) {
    throw std::invalid_argument("operands must have at least 2 axes, got " + to_string(a) +
                                " and " + to_string(b));
  }
  if (a.back() != b[b.size() - 2]) {
    throw std::invalid_argument("inner dimensions of " + to_string(a) + " and " + to_string(b) +
                                " differ");
  }
  Shape out = broadcast_shapes(lead(a), lead(b));
  out.push_back(a[a.size() - 2]);
  out.push_back(b.back());
  return out;
}

// C = A B
template <class T>
void MatMulOp::value(OpCall<T>& c) {
  const MatMulPlan pl = plan_matmul(c.in(0).val.shape(), c.in(1).val.shape());
  for (int64_t t = 0; t < pl.batch; ++t) {
    mat(c.out.val.data() + t * pl.m * pl.p, pl.m, pl.p).noalias() =
        mat(c.in(0).val.data() + pl.ia[t] * pl.m * pl.n, pl.m, pl.n) *
        mat(c.in(1).val.data() + pl.ib[t] * pl.n * pl.p, pl.n, pl.p);
  }
}

// Ċ = Ȧ B + A Ḃ
template <class T>
void MatMulOp::tangent(OpCall<T>& c) {
  const MatMulPlan pl = plan_matmul(c.in(0).val.shape(), c.in(1).val.shape());
  Slot<T>& a = c.in(0);
  Slot<T>& b = c.in(1);
  const int64_t sa = a.val.size(), sb = b.val.size(), sc = c.out.val.size();
  c.out.tan.zero();
  for (int j = 0; j < c.k; ++j) {
    for (int64_t t = 0; t < pl.batch; ++t) {
      auto C = mat(c.out.tan.data() + j * sc + t * pl.m * pl.p, pl.m, pl.p);
      if (a.varies) {
        C.noalias() += mat(a.tan.data() + j * sa + pl.ia[t] * pl.m * pl.n, pl.m, pl.n) *
                       mat(b.val.data() + pl.ib[t] * pl.n * pl.p, pl.n, pl.p);
      }
      if (b.varies) {
        C.noalias() += mat(a.val.data() + pl.ia[t] * pl.m * pl.n, pl.m, pl.n) *
                       mat(b.tan.data() + j * sb + pl.ib[t] * pl.n * pl.p, pl.n, pl.p);
      }
    }
  }
}

// Ā += C̄ Bᵀ,  B̄ += Aᵀ C̄
template <class T>
void MatMulOp::adjoint(OpCall<T>& c) {
  const MatMulPlan pl = plan_matmul(c.in(0).val.shape(), c.in(1).val.shape());
  Slot<T>& a = c.in(0);
  Slot<T>& b = c.in(1);
  for (int64_t t = 0; t < pl.batch; ++t) {
    auto Cbar = mat(c.out.adj.data() + t * pl.m * pl.p, pl.m, pl.p);
    if (a.want_adj) {
      mat(a.adj.data() + pl.ia[t] * pl.m * pl.n, pl.m, pl.n).noalias() +=
          Cbar * mat(b.val.data() + pl.ib[t] * pl.n * pl.p, pl.n, pl.p).transpose();
    }
    if (b.want_adj) {
      mat(b.adj.data() + pl.ib[t] * pl.n * pl.p, pl.n, pl.p).noalias() +=
          mat(a.val.data() + pl.ia[t] * pl.m * pl.n, pl.m, pl.n).transpose() * Cbar;
    }
  }
}

// Ā̇ += C̄̇ Bᵀ + C̄ Ḃᵀ,  B̄̇ += Aᵀ C̄̇ + Ȧᵀ C̄
template <class T>
void MatMulOp::adjoint_tangent(OpCall<T>& c) {
  const MatMulPlan pl = plan_matmul(c.in(0).val.shape(), c.in(1).val.shape());
  Slot<T>& a = c.in(0);
  Slot<T>& b = c.in(1);
  const int64_t sa = a.val.size(), sb = b.val.size(), sc = c.out.val.size();
  const bool curv = c.out.adj_on;
  for (int j = 0; j < c.k; ++j) {
    for (int64_t t = 0; t < pl.batch; ++t) {
      auto Cdot = mat(c.out.adjt.data() + j * sc + t * pl.m * pl.p, pl.m, pl.p);
      auto Cbar = mat(c.out.adj.data() + t * pl.m * pl.p, pl.m, pl.p);
      auto A = mat(a.val.data() + pl.ia[t] * pl.m * pl.n, pl.m, pl.n);
      auto B = mat(b.val.data() + pl.ib[t] * pl.n * pl.p, pl.n, pl.p);
      if (a.want_adjt) {
        auto Ad = mat(a.adjt.data() + j * sa + pl.ia[t] * pl.m * pl.n, pl.m, pl.n);
        Ad.noalias() += Cdot * B.transpose();
        if (curv && b.varies)
          Ad.noalias() +=
              Cbar * mat(b.tan.data() + j * sb + pl.ib[t] * pl.n * pl.p, pl.n, pl.p).transpose();
      }
      if (b.want_adjt) {
        auto Bd = mat(b.adjt.data() + j * sb + pl.ib[t] * pl.n * pl.p, pl.n, pl.p);
        Bd.noalias() += A.transpose() * Cdot;
        if (curv && a.varies)
          Bd.noalias() +=
              mat(a.tan.data() + j * sa + pl.ia[t] * pl.m * pl.n, pl.m, pl.n).transpose() * Cbar;
      }
    }
  }
}

HESS_INSTANTIATE_OP(MatMulOp)

}  // namespace hess
