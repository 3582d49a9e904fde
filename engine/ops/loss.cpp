#include "engine/ops/loss.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hess {

// Losses return the sum over the batch of per-sample losses, a scalar (shape []). The objective seeds
// the adjoint with 1/N, so batches of any size add up to the mean over the analysis set.

// ---------------------------------------------------------------------------------------------
// cross_entropy: inputs (logits z [B, C], class labels [B]); ℓ = Σ_b (log Σ_c e^{z_bc} − z_b,y_b).
// p = softmax(z) is cached in aux. The Hessian in z is diag(p) − p pᵀ per sample.

Shape CrossEntropyOp::infer(const Node&, const std::vector<Shape>& in) {
  if (in[0].size() != 2) throw std::invalid_argument("logits must be [batch, classes], got " + to_string(in[0]));
  if (in[1].size() != 1 || in[1][0] != in[0][0]) {
    throw std::invalid_argument("labels " + to_string(in[1]) + " must be one class index per row of " + to_string(in[0]));
  }
  return Shape{};
}

template <class T>
void CrossEntropyOp::value(OpCall<T>& c) {
  const Tensor<T>& z = c.in(0).val;
  const std::vector<int64_t>& y = c.in(1).idx;
  const int64_t B = z.dim(0), C = z.dim(1);
  c.out.aux.resize(z.shape());
  double total = 0.0;
  for (int64_t b = 0; b < B; ++b) {
    if (y[b] < 0 || y[b] >= C) {
      throw std::invalid_argument("label " + std::to_string(y[b]) + " out of range for " + std::to_string(C) + " classes");
    }
    const T* zb = z.data() + b * C;
    T* pb = c.out.aux.data() + b * C;
    T m = zb[0];
    for (int64_t j = 1; j < C; ++j) m = std::max(m, zb[j]);
    T s = T(0);
    for (int64_t j = 0; j < C; ++j) s += (pb[j] = std::exp(zb[j] - m));
    for (int64_t j = 0; j < C; ++j) pb[j] /= s;
    total += static_cast<double>(m + std::log(s) - zb[y[b]]);
  }
  c.out.val.at(0) = static_cast<T>(total);
}

// ℓ̇ = Σ_b (p_b − e_{y_b})ᵀ ż_b
template <class T>
void CrossEntropyOp::tangent(OpCall<T>& c) {
  const std::vector<int64_t>& y = c.in(1).idx;
  const int64_t B = c.in(0).val.dim(0), C = c.in(0).val.dim(1);
  const T* p = c.out.aux.data();
  for (int j = 0; j < c.k; ++j) {
    const T* zd = c.in(0).tan.data() + j * B * C;
    T s = T(0);
    for (int64_t e = 0; e < B * C; ++e) s += p[e] * zd[e];
    for (int64_t b = 0; b < B; ++b) s -= zd[b * C + y[b]];
    c.out.tan.at(j) = s;
  }
}

// z̄ += ℓ̄ (p − e_y)
template <class T>
void CrossEntropyOp::adjoint(OpCall<T>& c) {
  const std::vector<int64_t>& y = c.in(1).idx;
  const int64_t B = c.in(0).val.dim(0), C = c.in(0).val.dim(1);
  const T lb = c.out.adj.at(0);
  const T* p = c.out.aux.data();
  T* zb = c.in(0).adj.data();
  for (int64_t e = 0; e < B * C; ++e) zb[e] += lb * p[e];
  for (int64_t b = 0; b < B; ++b) zb[b * C + y[b]] -= lb;
}

// z̄̇ += ℓ̄̇ (p − e_y) + ℓ̄ (diag(p) − p pᵀ) ż
// The curvature term p ⊙ (ż − pᵀż) is computed with ż centred at its entry m of the most likely
// class, p ⊙ ((ż − m) − pᵀ(ż − m)) (the same since Σp = 1): for a confident sample (p_m ≈ 1) the
// uncentred form cancels ż_m − pᵀż ≈ (1 − p_m) ż_m catastrophically, which in float made every
// sample's term wrong by ~ε|ż| and λmax of a trained net wrong by 3e-7 at batch size 1.
template <class T>
void CrossEntropyOp::adjoint_tangent(OpCall<T>& c) {
  if (!c.in(0).want_adjt) return;
  const std::vector<int64_t>& y = c.in(1).idx;
  const int64_t B = c.in(0).val.dim(0), C = c.in(0).val.dim(1);
  const T lb = c.out.adj.at(0);
  const T* p = c.out.aux.data();
  const bool curv = c.out.adj_on;
  for (int j = 0; j < c.k; ++j) {
    const T lbd = c.out.adjt.at(j);
    const T* zd = c.in(0).tan.data() + j * B * C;
    T* zbd = c.in(0).adjt.data() + j * B * C;
    for (int64_t b = 0; b < B; ++b) {
      const T* pb = p + b * C;
      const T* zdb = zd + b * C;
      T* out = zbd + b * C;
      T pz = T(0), m = T(0);
      if (curv) {
        m = zdb[std::max_element(pb, pb + C) - pb];
        for (int64_t e = 0; e < C; ++e) pz += pb[e] * (zdb[e] - m);
      }
      for (int64_t e = 0; e < C; ++e) {
        out[e] += lbd * pb[e];
        if (curv) out[e] += lb * pb[e] * ((zdb[e] - m) - pz);
      }
      out[y[b]] -= lbd;
    }
  }
}

HESS_INSTANTIATE_OP(CrossEntropyOp)

// ---------------------------------------------------------------------------------------------
// mse: inputs (predictions f [B, C], labels): targets t are real [B, C] or, for class labels [B],
// one-hot. ℓ = Σ_b (1/C) Σ_c (f_bc − t_bc)²: the mean over outputs of each sample, summed over the
// batch, so the objective equals PyTorch's MSELoss(reduction='mean'). The residual r = f − t is cached.

Shape MseOp::infer(const Node&, const std::vector<Shape>& in) {
  if (in[0].size() != 2) throw std::invalid_argument("predictions must be [batch, outputs], got " + to_string(in[0]));
  const bool class_labels = in[1].size() == 1 && in[1][0] == in[0][0];
  if (!class_labels && in[1] != in[0]) {
    throw std::invalid_argument("targets " + to_string(in[1]) + " do not match predictions " + to_string(in[0]));
  }
  return Shape{};
}

template <class T>
void MseOp::value(OpCall<T>& c) {
  const Tensor<T>& f = c.in(0).val;
  const int64_t B = f.dim(0), C = f.dim(1);
  c.out.aux.resize(f.shape());
  T* r = c.out.aux.data();
  const Slot<T>& lab = c.in(1);
  if (lab.val.rank() == 2 && lab.val.shape() == f.shape()) {
    for (int64_t e = 0; e < B * C; ++e) r[e] = f.at(e) - lab.val.at(e);
  } else {
    for (int64_t b = 0; b < B; ++b) {
      if (lab.idx[b] < 0 || lab.idx[b] >= C) {
        throw std::invalid_argument("label " + std::to_string(lab.idx[b]) + " out of range for " + std::to_string(C) + " outputs");
      }
      for (int64_t j = 0; j < C; ++j) r[b * C + j] = f.at(b * C + j) - (j == lab.idx[b] ? T(1) : T(0));
    }
  }
  double total = 0.0;
  for (int64_t e = 0; e < B * C; ++e) total += static_cast<double>(r[e]) * r[e];
  c.out.val.at(0) = static_cast<T>(total / C);
}

// ℓ̇ = (2/C) Σ r ḟ
template <class T>
void MseOp::tangent(OpCall<T>& c) {
  const int64_t n = c.in(0).val.size(), C = c.in(0).val.dim(1);
  const T* r = c.out.aux.data();
  for (int j = 0; j < c.k; ++j) {
    const T* fd = c.in(0).tan.data() + j * n;
    T s = T(0);
    for (int64_t e = 0; e < n; ++e) s += r[e] * fd[e];
    c.out.tan.at(j) = T(2) * s / T(C);
  }
}

// f̄ += ℓ̄ (2/C) r
template <class T>
void MseOp::adjoint(OpCall<T>& c) {
  const int64_t n = c.in(0).val.size(), C = c.in(0).val.dim(1);
  const T g = c.out.adj.at(0) * T(2) / T(C);
  const T* r = c.out.aux.data();
  T* fb = c.in(0).adj.data();
  for (int64_t e = 0; e < n; ++e) fb[e] += g * r[e];
}

// f̄̇ += ℓ̄̇ (2/C) r + ℓ̄ (2/C) ḟ
template <class T>
void MseOp::adjoint_tangent(OpCall<T>& c) {
  if (!c.in(0).want_adjt) return;
  const int64_t n = c.in(0).val.size(), C = c.in(0).val.dim(1);
  const T* r = c.out.aux.data();
  const T two_c = T(2) / T(C);
  const T lb = c.out.adj_on ? c.out.adj.at(0) : T(0);
  for (int j = 0; j < c.k; ++j) {
    const T lbd = c.out.adjt.at(j);
    const T* fd = c.in(0).tan.data() + j * n;
    T* fbd = c.in(0).adjt.data() + j * n;
    for (int64_t e = 0; e < n; ++e) fbd[e] += two_c * (lbd * r[e] + lb * fd[e]);
  }
}

HESS_INSTANTIATE_OP(MseOp)

// ---------------------------------------------------------------------------------------------
// Factors of the per-sample loss Hessians (exact GGN diagonal, engine/autodiff.cpp).

template <class T>
void loss_hessian_factor(OpKind loss_op, const Slot<T>& loss, int64_t b, int64_t C, T* s) {
  std::fill(s, s + C * C, T(0));
  if (loss_op == OpKind::CrossEntropy) {
    const T* p = loss.aux.data() + b * C;
    for (int64_t col = 0; col < C; ++col) {
      const T r = std::sqrt(p[col]);  // column col: √p_col (e_col − p)
      T rest = T(0);                  // 1 − p_col without cancellation when p_col ≈ 1
      for (int64_t e = 0; e < C; ++e) {
        s[col * C + e] = -p[e] * r;
        if (e != col) rest += p[e];
      }
      s[col * C + col] = r * rest;
    }
  } else if (loss_op == OpKind::Mse) {
    const T d = std::sqrt(T(2) / T(C));
    for (int64_t e = 0; e < C; ++e) s[e * C + e] = d;
  } else {
    throw std::invalid_argument("loss_hessian_factor: '" + std::string(name_of(loss_op)) +
                                "' is not a loss");
  }
}

template void loss_hessian_factor<float>(OpKind, const Slot<float>&, int64_t, int64_t, float*);
template void loss_hessian_factor<double>(OpKind, const Slot<double>&, int64_t, int64_t, double*);

}  // namespace hess
