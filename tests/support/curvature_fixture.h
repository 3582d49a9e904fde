#pragma once
// Curvature problems with dense references, for the analyzer tests: a small model built from an
// arch spec over random data, its objective and Hessian operator, and the dense Hessian assembled
// from HVPs with its full eigendecomposition; and explicit symmetric matrices with a chosen
// spectrum for cheap statistical tests.

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/curvature_operator.h"
#include "engine/graph_builder.h"
#include "engine/objective.h"

namespace hess::test {

struct ModelProblem {
  Model model;
  Dataset data;
  std::unique_ptr<Objective> objective;
  std::unique_ptr<ObjectiveOperator> hessian;  // Hessian of `objective`
  Eigen::MatrixXd dense;                       // assembled from the double objective
  Eigen::VectorXd eigenvalues;                 // of `dense`, ascending
};

// The model `spec` (parameters from `seed`) over `samples` random samples with `classes` labels,
// its objective in `precision`, and the double-precision dense Hessian with its eigenvalues.
ModelProblem model_problem(const std::string& spec, int64_t samples, int64_t classes, uint64_t seed,
                           Precision precision = Precision::F64,
                           LossKind loss = LossKind::CrossEntropy);

// The analyzer tests' common indefinite Hessian: a tanh MLP at its random initialisation
// (mlp:8-24-24-4:tanh, P = 916) over 64 random samples of 4 classes; half its eigenvalues are
// negative and |λmin| < λmax.
ModelProblem indefinite_mlp(Precision precision = Precision::F64);

// The same for a small CNN with max pooling: cnn:1x8x8-c6k3-pool2-c8k3p1-10:tanh (P = 1,230) over
// 32 random images of 10 classes.
ModelProblem indefinite_cnn(Precision precision = Precision::F64);

// The models the analyzer tests run on, by name.
struct TestModel {
  const char* name;
  ModelProblem (*make)(Precision);
};
inline constexpr TestModel kTestModels[] = {{"mlp", indefinite_mlp}, {"cnn", indefinite_cnn}};

// Norm parameters (γ = 1, β = 0 when built) and BatchNorm running statistics (mean 0, variance 1)
// moved off their defaults, so checks exercise every term of the normalization rules.
void perturb_norms(Model& m, uint64_t seed);

// A CNN with max pooling and BatchNorm (running statistics and norm parameters moved off their
// defaults): conv3x3-bn-act-pool2-conv3x3-act-fc over 1x8x8 images of 5 classes, P = 395.
Model maxpool_bn_cnn(OpKind activation, uint64_t seed);

// Sets parameter `index` of the problem's objective to NaN (the model's θ is left unchanged).
void poison_parameter(ModelProblem& p, int64_t index);

// Q diag(eigenvalues) Qᵀ with Q a random orthogonal matrix from `seed`.
Eigen::MatrixXd matrix_with_spectrum(const Eigen::VectorXd& eigenvalues, uint64_t seed);

}  // namespace hess::test
