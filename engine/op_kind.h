#pragma once
// The kinds of graph node. Every kind has one row in the op table (engine/op_registry.cpp) holding its
// name (used by model files, ONNX import and error messages), its arity and its differentiation rules.

#include <cstdint>
#include <string>
#include <string_view>

namespace hess {

enum class OpKind : uint8_t {
  // Sources: no rules, the evaluation context fills their values.
  Input,     // the batch of samples X, shape [B, sample...]
  Label,     // class labels (integers) or regression targets [B, t]
  Param,     // a parameter block, a slice of θ
  Constant,  // a constant tensor stored in the graph
  // Dense linear algebra (ops/linear.cpp)
  Linear,  // y = x Wᵀ (+ b) over the last axis
  MatMul,  // batched matrix product with broadcasting of leading axes
  // Convolution (ops/conv.cpp)
  Conv2d,
  // Pooling (ops/pool.cpp)
  MaxPool2d,
  AvgPool2d,
  GlobalAvgPool,
  // Shape and indexing (ops/shape.cpp)
  Flatten,
  Reshape,
  Transpose,
  Concat,
  Slice,
  ReduceMean,
  // Broadcasting binary arithmetic (ops/binary.cpp)
  Add,
  Sub,
  Mul,
  Div,
  // Elementwise activations (ops/activation.cpp)
  Relu,
  LeakyRelu,
  Tanh,
  Sigmoid,
  Gelu,      // x Φ(x), the erf form
  GeluTanh,  // the tanh approximation
  Silu,
  Softplus,
  Dropout,  // identity: analyses use eval semantics
  // Softmax family (ops/softmax.cpp)
  Softmax,
  LogSoftmax,
  // Normalization (ops/norm.cpp)
  BatchNorm,  // inference form, running statistics
  LayerNorm,
  // Embedding lookup (ops/embedding.cpp)
  Embedding,
  // Losses: the sum over the batch of per-sample losses (ops/loss.cpp)
  CrossEntropy,
  Mse,
  Count_
};

constexpr int kOpKindCount = static_cast<int>(OpKind::Count_);
constexpr int kMaxArity = 8;

// The one enum<->string mapping of op names ("linear", "conv2d", ...).
std::string_view op_name(OpKind kind);
// Throws std::invalid_argument naming `name` and listing the known ops when it is not one.
OpKind op_from_name(std::string_view name);
// Comma-separated list of all op names, for messages.
std::string all_op_names();

}  // namespace hess
