#pragma once
// The kinds of graph node. Every kind has one row in the op table (engine/op_registry.cpp) holding
// its name (used by model files, ONNX import and error messages), its arity and its differentiation
// rules.

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/enum_names.h"

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

// Op names ("linear", "conv2d", ...) in the order of OpKind, used by files, errors and ONNX import:
// name_of(OpKind::Linear), parse_enum<OpKind>("linear") (engine/enum_names.h).
template <>
struct EnumNames<OpKind> {
  static constexpr std::string_view what = "op";
  static constexpr std::string_view names[] = {
      "input",       "label",      "param",      "constant",        "linear",        "matmul",
      "conv2d",      "max_pool2d", "avg_pool2d", "global_avg_pool", "flatten",       "reshape",
      "transpose",   "concat",     "slice",      "reduce_mean",     "add",           "sub",
      "mul",         "div",        "relu",       "leaky_relu",      "tanh",          "sigmoid",
      "gelu",        "gelu_tanh",  "silu",       "softplus",        "dropout",       "softmax",
      "log_softmax", "batch_norm", "layer_norm", "embedding",       "cross_entropy", "mse"};
};
static_assert(enum_count<OpKind>() == kOpKindCount, "every OpKind has a name");

}  // namespace hess
