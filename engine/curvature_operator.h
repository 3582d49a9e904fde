#pragma once
// Curvature operators: what analyzers see instead of a matrix.
//
// An analyzer never holds the P x P Hessian. It holds an operator A (symmetric, P x P, applied by
// products) with the interface Spectra's eigensolvers expect: `rows()`, `cols()` and
// `perform_op(x, y)` computing y = A x, plus `apply(X, Y)` for k columns at once (Y = A X), which
// the engine turns into one pass with k tangent columns. Variants:
//
//   ObjectiveOperator   the Hessian or the GGN of an Objective at its current θ
//   RestrictedOperator  A_SS for a set S of parameter blocks (per-layer analyses): x on S, zero
//   elsewhere ShiftedOperator     A − σ I (for the smallest eigenvalues, or shift-invert-free
//   deflation) DenseOperator       an explicit symmetric matrix (tests, small problems)
//
// Every operator counts the columns it has applied: `applications()` is the HVP count analyzers
// report as their cost.
//
// Some operators also know a split A = G + R into a generalized Gauss-Newton part G, whose diagonal
// the engine computes exactly (engine/autodiff.h), and a residual R = A − G applied by products
// (one HVP's cost per column): `split()` says which, `gauss_newton_diagonal` and `apply_residual`
// give them. Exact diagonals and traces, and the control-variate trace, are built on that.
//
//   hess::ObjectiveOperator H(*objective, hess::Curvature::Hessian);
//   Eigen::VectorXd x = Eigen::VectorXd::Ones(H.rows()), y(H.rows());
//   H.perform_op(x.data(), y.data());      // y = H x, one HVP
//   Spectra::SymEigsSolver<hess::CurvatureOperator> eigs(H, 5, 20);

#include <Eigen/Core>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "engine/autodiff.h"
#include "engine/enum_names.h"
#include "engine/objective.h"

namespace hess {

// What an operator knows of its split A = G + R.
enum class CurvatureSplit : uint8_t {
  None,      // products only (explicit matrices)
  Residual,  // diag(G) exact and R by products: a Hessian with curvature inside the network
  Exact,     // diag(R) = 0, so diag(A) = diag(G) exactly: the GGN, or the Hessian of a network
             // whose output is affine in each parameter (engine/multiaffine.h)
};
template <>
struct EnumNames<CurvatureSplit> {
  static constexpr std::string_view what = "curvature split";
  static constexpr std::string_view names[] = {"none", "residual", "exact"};
};

struct SplitInfo {
  CurvatureSplit kind = CurvatureSplit::None;
  std::string reason;  // unless kind is Exact: why not, e.g. "node 'act1' (tanh) is not affine..."
};

class CurvatureOperator {
 public:
  using Scalar = double;
  virtual ~CurvatureOperator() = default;

  virtual int64_t rows() const = 0;
  int64_t cols() const { return rows(); }
  // Y = A X for X of rows() x k (column-major); Y is resized.
  void apply(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const;
  // y = A x (one column), as Spectra calls it.
  void perform_op(const double* x, double* y) const;
  // Columns applied so far (including residual columns).
  int64_t applications() const { return applications_; }

  virtual SplitInfo split() const { return {CurvatureSplit::None, "an explicit matrix"}; }
  // The unit roundoff of the arithmetic the products are computed in: double's, or float's for
  // float32 passes (whose products are linear in X only to about this relative accuracy).
  virtual double product_roundoff() const { return kDoubleRoundoff; }
  static constexpr double kDoubleRoundoff = std::numeric_limits<double>::epsilon() / 2;
  // d = diag(G), rows() entries; throws std::logic_error when split() is None.
  void gauss_newton_diagonal(Eigen::VectorXd& d) const;
  // Y = R X = (A − G) X, counted in applications(); throws std::logic_error when split() is None.
  void apply_residual(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) const;
  // Exact GGN diagonals computed so far.
  int64_t diagonals() const { return diagonals_; }

 protected:
  // Y = A X with raw column-major buffers of rows() x k.
  virtual void apply_raw(const double* X, int k, double* Y) const = 0;
  // The split's parts with raw buffers; the defaults throw std::logic_error.
  virtual void gauss_newton_diagonal_raw(double* d) const;
  virtual void apply_residual_raw(const double* X, int k, double* Y) const;

 private:
  using RawProduct = void (CurvatureOperator::*)(const double*, int, double*) const;
  // Checks X, sizes Y, runs `product` and counts its columns.
  void apply_counted(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y, RawProduct product) const;
  mutable int64_t applications_ = 0;
  mutable int64_t diagonals_ = 0;
};

class ObjectiveOperator final : public CurvatureOperator {
 public:
  ObjectiveOperator(Objective& objective, Curvature kind);
  int64_t rows() const override { return objective_.num_params(); }
  Curvature kind() const { return kind_; }
  Objective& objective() const { return objective_; }
  // The GGN: exact (R = 0). The Hessian: exact where the network is affine in each parameter
  // (engine/multiaffine.h), else the residual H − G.
  SplitInfo split() const override { return split_; }
  double product_roundoff() const override;

 protected:
  void apply_raw(const double* X, int k, double* Y) const override;
  void gauss_newton_diagonal_raw(double* d) const override;
  void apply_residual_raw(const double* X, int k, double* Y) const override;

 private:
  Objective& objective_;
  Curvature kind_;
  SplitInfo split_;
};

// A restricted to the coordinates of some parameter blocks.
class RestrictedOperator final : public CurvatureOperator {
 public:
  // `blocks` are indices into graph.blocks; the full operator has graph.num_params() rows.
  RestrictedOperator(const CurvatureOperator& full, const Graph& graph, std::vector<int> blocks);
  int64_t rows() const override { return rows_; }
  // (offset in the full vector, length) of each selected block, in selection order.
  const std::vector<std::pair<int64_t, int64_t>>& ranges() const { return ranges_; }
  // Scatters x (rows()) into a full-length vector (zeros elsewhere) and gathers back.
  void embed(const double* x, double* full) const;
  void extract(const double* full, double* x) const;
  SplitInfo split() const override { return full_.split(); }
  double product_roundoff() const override { return full_.product_roundoff(); }

 protected:
  void apply_raw(const double* X, int k, double* Y) const override;
  void gauss_newton_diagonal_raw(double* d) const override;
  void apply_residual_raw(const double* X, int k, double* Y) const override;

 private:
  using FullProduct = void (CurvatureOperator::*)(const Eigen::MatrixXd&, Eigen::MatrixXd&) const;
  // Y = (product of the full operator) applied to X embedded, restricted back.
  void through_full(const double* X, int k, double* Y, FullProduct product) const;
  const CurvatureOperator& full_;
  int64_t full_rows_;
  std::vector<std::pair<int64_t, int64_t>> ranges_;
  int64_t rows_ = 0;
};

// A − σ I.
class ShiftedOperator final : public CurvatureOperator {
 public:
  ShiftedOperator(const CurvatureOperator& base, double sigma) : base_(base), sigma_(sigma) {}
  int64_t rows() const override { return base_.rows(); }
  double sigma() const { return sigma_; }
  SplitInfo split() const override { return base_.split(); }  // G − σI + R
  double product_roundoff() const override { return base_.product_roundoff(); }

 protected:
  void apply_raw(const double* X, int k, double* Y) const override;
  void gauss_newton_diagonal_raw(double* d) const override;
  void apply_residual_raw(const double* X, int k, double* Y) const override;

 private:
  const CurvatureOperator& base_;
  double sigma_;
};

// An explicit symmetric matrix.
class DenseOperator final : public CurvatureOperator {
 public:
  explicit DenseOperator(Eigen::MatrixXd A);
  int64_t rows() const override { return A_.rows(); }
  const Eigen::MatrixXd& matrix() const { return A_; }

 protected:
  void apply_raw(const double* X, int k, double* Y) const override;

 private:
  Eigen::MatrixXd A_;
};

// The dense matrix of an operator, assembled column by column (k columns per application).
// For tests and small models only: P applications.
Eigen::MatrixXd assemble_dense(const CurvatureOperator& op, int columns_per_apply = 16);

}  // namespace hess
