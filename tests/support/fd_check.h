#pragma once
// Independent references for derivative tests: central finite differences of the loss, of the
// gradient and of the network output, and dense matrices assembled from them.

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "engine/dataset.h"
#include "engine/graph.h"
#include "engine/objective.h"

namespace hess::test {

// Tolerances of the derivative tests (DESIGN.md §6: relative error ≤ 1e-6 in double).
inline constexpr double kFdStep = 1e-5;
inline constexpr double kFdRelTol = 1e-6;

// Random data fitting `graph`: samples N(0, 1) (or integer ids in [0, id_range) when id_range > 0),
// labels uniform over `classes` (class labels) or N(0, 1) targets.
Dataset random_dataset(const Graph& graph, int64_t n, int64_t classes, uint64_t seed,
                       int64_t id_range = 0);

// All rows 0..n-1.
std::vector<int64_t> all_rows(int64_t n);

// ‖a − b‖ / max(‖b‖, floor).
double rel_err(const Eigen::VectorXd& a, const Eigen::VectorXd& b, double floor = 1e-12);
double rel_err(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double floor = 1e-12);

// A double objective over all of `data` with one thread.
std::unique_ptr<Objective> double_objective(const Model& m, const Dataset& data,
                                            int64_t batch = 1 << 30);

// Float and double objectives over all of `data` at m's θ, `batch` samples a batch, one thread.
struct PrecisionPair {
  std::unique_ptr<Objective> f32, f64;
};
PrecisionPair float_and_double(const Model& m, const Dataset& data, int64_t batch);

// ∇L by central differences of L, coordinate by coordinate.
Eigen::VectorXd fd_gradient(Objective& obj, const std::vector<double>& theta, double h = kFdStep);
// H v by central differences of ∇L along v.
Eigen::VectorXd fd_hvp(Objective& obj, const std::vector<double>& theta, const Eigen::VectorXd& v,
                       double h = kFdStep);
// The dense Hessian by central differences of ∇L along each coordinate (symmetrised: (A + Aᵀ)/2
// is *not* applied, so symmetry can be tested).
Eigen::MatrixXd fd_hessian(Objective& obj, const std::vector<double>& theta, double h = kFdStep);

// Network outputs f(θ) on all of `data` (one batch) and the JVP J v by central differences.
Eigen::VectorXd outputs(const Model& m, const Dataset& data, const std::vector<double>& theta);
Eigen::VectorXd fd_jvp(const Model& m, const Dataset& data, const Eigen::VectorXd& v,
                       double h = kFdStep);
// J v computed by the engine's tangent pass (double, one batch).
Eigen::VectorXd engine_jvp(const Model& m, const Dataset& data, const Eigen::VectorXd& v);

// Dense Jacobian of the outputs (rows: outputs, cols: parameters) and the loss Hessian in the
// outputs (block diagonal over samples, scaled by 1/N), both by central differences, for GGN = Jᵀ
// H_L J.
Eigen::MatrixXd fd_jacobian(const Model& m, const Dataset& data, double h = kFdStep);
// The same Jacobian exactly, column i the engine's forward-mode J eᵢ (a tangent pass: no reverse
// sweep involved), for references that need more than finite differences' accuracy.
Eigen::MatrixXd forward_jacobian(const Model& m, const Dataset& data);
Eigen::MatrixXd loss_output_hessian(const Model& m, const Dataset& data);

// A random vector with N(0, 1) entries from `seed`.
Eigen::VectorXd random_vector(int64_t n, uint64_t seed);

}  // namespace hess::test
