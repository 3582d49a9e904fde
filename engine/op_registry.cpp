#include "engine/op_registry.h"

#include <array>
#include <stdexcept>
#include <string>

#include "engine/ops/activation.h"
#include "engine/ops/binary.h"
#include "engine/ops/conv.h"
#include "engine/ops/embedding.h"
#include "engine/ops/linear.h"
#include "engine/ops/loss.h"
#include "engine/ops/norm.h"
#include "engine/ops/pool.h"
#include "engine/ops/shape_ops.h"
#include "engine/ops/softmax.h"

namespace hess {

namespace {

template <class Op>
OpInfo row(OpKind kind, std::string_view name, int min_arity, int max_arity,
           OpCurvature curvature = OpCurvature::General) {
  return OpInfo{kind,
                name,
                min_arity,
                max_arity,
                &Op::infer,
                {&Op::template value<float>, &Op::template tangent<float>,
                 &Op::template adjoint<float>, &Op::template adjoint_tangent<float>},
                {&Op::template value<double>, &Op::template tangent<double>,
                 &Op::template adjoint<double>, &Op::template adjoint_tangent<double>},
                curvature};
}

OpInfo source(OpKind kind, std::string_view name) { return OpInfo{kind, name, 0, 0, nullptr, {}, {}}; }

// The op table. Order follows OpKind; op_info() checks it. The last column, the shape of the op's
// second derivative (OpCurvature), lets an HVP skip adjoints nothing needs; General when omitted.
const std::array<OpInfo, kOpKindCount>& table() {
  static const std::array<OpInfo, kOpKindCount> t = {
      source(OpKind::Input, "input"),
      source(OpKind::Label, "label"),
      source(OpKind::Param, "param"),
      source(OpKind::Constant, "constant"),
      row<LinearOp>(OpKind::Linear, "linear", 2, 3, OpCurvature::Bilinear),
      row<MatMulOp>(OpKind::MatMul, "matmul", 2, 2, OpCurvature::Bilinear),
      row<Conv2dOp>(OpKind::Conv2d, "conv2d", 2, 3, OpCurvature::Bilinear),
      row<MaxPool2dOp>(OpKind::MaxPool2d, "max_pool2d", 1, 1, OpCurvature::None),
      row<AvgPool2dOp>(OpKind::AvgPool2d, "avg_pool2d", 1, 1, OpCurvature::None),
      row<GlobalAvgPoolOp>(OpKind::GlobalAvgPool, "global_avg_pool", 1, 1, OpCurvature::None),
      row<FlattenOp>(OpKind::Flatten, "flatten", 1, 1, OpCurvature::None),
      row<ReshapeOp>(OpKind::Reshape, "reshape", 1, 1, OpCurvature::None),
      row<TransposeOp>(OpKind::Transpose, "transpose", 1, 1, OpCurvature::None),
      row<ConcatOp>(OpKind::Concat, "concat", 1, kMaxArity, OpCurvature::None),
      row<SliceOp>(OpKind::Slice, "slice", 1, 1, OpCurvature::None),
      row<ReduceMeanOp>(OpKind::ReduceMean, "reduce_mean", 1, 1, OpCurvature::None),
      row<AddOp>(OpKind::Add, "add", 2, 2, OpCurvature::None),
      row<SubOp>(OpKind::Sub, "sub", 2, 2, OpCurvature::None),
      row<MulOp>(OpKind::Mul, "mul", 2, 2, OpCurvature::Bilinear),
      row<DivOp>(OpKind::Div, "div", 2, 2),
      row<ReluOp>(OpKind::Relu, "relu", 1, 1, OpCurvature::None),
      row<LeakyReluOp>(OpKind::LeakyRelu, "leaky_relu", 1, 1, OpCurvature::None),
      row<TanhOp>(OpKind::Tanh, "tanh", 1, 1),
      row<SigmoidOp>(OpKind::Sigmoid, "sigmoid", 1, 1),
      row<GeluOp>(OpKind::Gelu, "gelu", 1, 1),
      row<GeluTanhOp>(OpKind::GeluTanh, "gelu_tanh", 1, 1),
      row<SiluOp>(OpKind::Silu, "silu", 1, 1),
      row<SoftplusOp>(OpKind::Softplus, "softplus", 1, 1),
      row<DropoutOp>(OpKind::Dropout, "dropout", 1, 1, OpCurvature::None),
      row<SoftmaxOp>(OpKind::Softmax, "softmax", 1, 1),
      row<LogSoftmaxOp>(OpKind::LogSoftmax, "log_softmax", 1, 1),
      row<BatchNormOp>(OpKind::BatchNorm, "batch_norm", 5, 5, OpCurvature::Bilinear),
      row<LayerNormOp>(OpKind::LayerNorm, "layer_norm", 3, 3),
      row<EmbeddingOp>(OpKind::Embedding, "embedding", 2, 2, OpCurvature::None),
      row<CrossEntropyOp>(OpKind::CrossEntropy, "cross_entropy", 2, 2),
      row<MseOp>(OpKind::Mse, "mse", 2, 2),
  };
  return t;
}

}  // namespace

const OpInfo& op_info(OpKind kind) {
  const OpInfo& info = table()[static_cast<size_t>(kind)];
  assert(info.kind == kind);
  return info;
}

template <>
const OpRules<float>& op_rules<float>(OpKind kind) {
  return op_info(kind).rules_f;
}
template <>
const OpRules<double>& op_rules<double>(OpKind kind) {
  return op_info(kind).rules_d;
}

std::string_view op_name(OpKind kind) { return op_info(kind).name; }

OpKind op_from_name(std::string_view name) {
  for (const OpInfo& info : table()) {
    if (info.name == name) return info.kind;
  }
  throw std::invalid_argument("unknown op '" + std::string(name) + "'; known ops: " +
                              all_op_names());
}

std::string all_op_names() {
  std::string out;
  for (const OpInfo& info : table()) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

}  // namespace hess
