#pragma once
// Building the engine graph during ONNX import, with every node's shape known at two probe batch
// sizes b0 and b1.
//
// An exported graph is traced at one batch size, but the engine must run it at any. Shapes are
// therefore inferred at two batch sizes: the axis whose extent differs is the one carrying the
// batch, and its extent is outer · B · inner (BatchDigit): row-major, the sample index sits between
// an outer and an inner factor. Most ops keep that digit; a reshape moves it, and land_batch says
// where: the output axis j must hold, in order, the input's elements before the batch digit that do
// not fit in axes 0..j-1, the batch, and those after it that do not fit in axes j+1.... A reshape
// that would mix samples has no such axis.
//
//   EngineEmitter em({3, 8, 8}, 4, 5);        // samples [3, 8, 8], probe batches 4 and 5
//   int w = em.param("fc.weight", {10, 192}, BlockRole::Weight, values);
//   int y = em.op(OpKind::Linear, {em.op(OpKind::Flatten, {em.input()}, {}, "flat"), w}, {}, "fc");
//   Model m = em.finish(y, LossKind::CrossEntropy);

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/graph_builder.h"

namespace hess::onnx_import {

struct BatchDigit {
  int axis = -1;  // -1: the tensor does not depend on the batch
  int64_t outer = 1, inner = 1;
  bool operator==(const BatchDigit&) const = default;
};

// The digit after reshaping a tensor of shape `x` (at batch b0, digit d) row-major to `out` with
// the batch on axis j; nullopt when no batch size other than b0 would keep samples apart.
std::optional<BatchDigit> land_batch(const Shape& x, const BatchDigit& d, const Shape& out, int j,
                                     int64_t b0);

class EngineEmitter {
 public:
  EngineEmitter(Shape sample_shape, int64_t b0, int64_t b1);

  int64_t probe_batch(int version) const { return version == 0 ? b0_ : b1_; }
  int input() const { return g_.input; }
  int param(const std::string& name, Shape shape, BlockRole role,
            const std::vector<double>& values);
  int constant(const std::string& name, Tensor<double> value);
  // A node applying `kind`; faults (ImportFault) with the engine's message when the inputs do not
  // fit.
  int op(OpKind kind, std::vector<int> inputs, Attrs attrs, const std::string& name);

  const Shape& shape(int node, int version = 0) const {
    return version == 0 ? s0_[node] : s1_[node];
  }
  // The axis whose extent differs between the probe batch sizes, -1 when none.
  int batch_axis(int node) const;
  const Graph& graph() const { return g_; }
  const std::vector<double>& theta() const { return theta_; }

  // Adds the label and the loss after `output`, validates and returns the model.
  Model finish(int output, LossKind loss);

 private:
  int push(Node n, Shape s0, Shape s1);
  std::string unique_name(const std::string& base);

  Graph g_;
  std::vector<Shape> s0_, s1_;
  std::vector<double> theta_;
  std::set<std::string> names_;
  int64_t b0_, b1_;
};

}  // namespace hess::onnx_import
