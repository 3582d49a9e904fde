#pragma once
// A problem whose loss is an exact quadratic: a linear model (mlp:IN-OUT, no hidden layer) with the
// mse loss on random data, moved to its least-squares solution θ* = θ₀ − H⁻¹∇L(θ₀). There
// L(θ* + δ) − L(θ*) = ½ δᵀHδ for every δ, with H constant and known: the reference for sharpness
// and roughness tests.

#include <Eigen/Core>
#include <cstdint>

#include "engine/dataset.h"
#include "engine/graph.h"

namespace hess::test {

struct LeastSquares {
  Model model;  // θ = θ*
  Dataset data;
  Eigen::MatrixXd hessian;  // H, assembled from HVPs (P x P)
  double loss = 0.0;        // L(θ*)
};

LeastSquares least_squares_problem(int64_t inputs, int64_t outputs, int64_t samples, uint64_t seed);

}  // namespace hess::test
