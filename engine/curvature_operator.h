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
//   hess::ObjectiveOperator H(*objective, hess::Curvature::Hessian);
//   Eigen::VectorXd x = Eigen::VectorXd::Ones(H.rows()), y(H.rows());
//   H.perform_op(x.data(), y.data());      // y = H x, one HVP
//   Spectra::SymEigsSolver<hess::CurvatureOperator> eigs(H, 5, 20);

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/autodiff.h"
#include "engine/objective.h"

namespace hess {

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
  // Columns applied so far.
  int64_t applications() const { return applications_; }

 protected:
  // Y = A X with raw column-major buffers of rows() x k.
  virtual void apply_raw(const double* X, int k, double* Y) const = 0;

 private:
  mutable int64_t applications_ = 0;
};

class ObjectiveOperator final : public CurvatureOperator {
 public:
  ObjectiveOperator(Objective& objective, Curvature kind) : objective_(objective), kind_(kind) {}
  int64_t rows() const override { return objective_.num_params(); }
  Curvature kind() const { return kind_; }
  Objective& objective() const { return objective_; }

 protected:
  void apply_raw(const double* X, int k, double* Y) const override;

 private:
  Objective& objective_;
  Curvature kind_;
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

 protected:
  void apply_raw(const double* X, int k, double* Y) const override;

 private:
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

 protected:
  void apply_raw(const double* X, int k, double* Y) const override;

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
