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
constexpr OpInfo row(OpKind kind, int min_arity, int max_arity,
                     OpCurvature curvature = OpCurvature::General,
                     AffineInputs affine = kAffineInAll) {
  return OpInfo{kind,
                min_arity,
                max_arity,
                &Op::infer,
                {&Op::template value<float>, &Op::template tangent<float>,
                 &Op::template adjoint<float>, &Op::template adjoint_tangent<float>},
                {&Op::template value<double>, &Op::template tangent<double>,
                 &Op::template adjoint<double>, &Op::template adjoint_tangent<double>},
                curvature,
                static_cast<AffineInputs>(affine & affine_inputs_of(curvature))};
}

// A row whose op cache kept batches drop and rebuild with `cache` (OpRules::cache).
constexpr OpInfo with_cache(OpInfo info, RuleFn<float> cache_f, RuleFn<double> cache_d) {
  info.rules_f.cache = cache_f;
  info.rules_d.cache = cache_d;
  return info;
}

// A row whose adjoint_tangent rule overwrites the adjt of the inputs in `mask` when they are fresh.
constexpr OpInfo with_fresh(OpInfo info, FreshInputs mask) {
  info.fresh = mask;
  return info;
}
// A row whose derivatives jump at thresholds its value decides (OpInfo::gated).
constexpr OpInfo with_gate(OpInfo info) {
  info.gated = true;
  return info;
}
// A row whose rules read only the values in `mask` (OpInfo::reads; all when not given).
constexpr OpInfo with_reads(OpInfo info, ReadValues mask) {
  info.reads = mask;
  return info;
}
constexpr OpInfo source(OpKind kind) {
  return OpInfo{kind, 0, 0, nullptr, {}, {}};
}

// The op table: one row per OpKind, in its order (checked below, at compile time); the names are
// OpKind's (engine/op_kind.h). The fourth column, the shape of the op's second derivative
// (OpCurvature), lets an HVP skip adjoints nothing needs; General when omitted. The fifth, the
// inputs the op is affine in (AffineInputs), narrows what the fourth implies (every input for None
// and Bilinear, none for General). with_cache names the rule that rebuilds a row's op cache for
// kept batches; with_fresh the inputs whose adjoint-tangent a row's rule can overwrite
// (FreshInputs); with_gate the rows whose derivatives jump at thresholds (OpInfo::gated);
// with_reads the values a row's rules read, where that is not all (OpInfo::reads).
constexpr std::array<OpInfo, kOpKindCount> kTable = {
    source(OpKind::Input),
    source(OpKind::Label),
    source(OpKind::Param),
    source(OpKind::Constant),
    with_reads(with_fresh(row<LinearOp>(OpKind::Linear, 2, 3, OpCurvature::Bilinear), 0b011),
               kReadsInputs),
    with_reads(row<MatMulOp>(OpKind::MatMul, 2, 2, OpCurvature::Bilinear), kReadsInputs),
    with_reads(
        with_cache(with_fresh(row<Conv2dOp>(OpKind::Conv2d, 2, 3, OpCurvature::Bilinear), 0b011),
                   &conv2d_cache<float>, &conv2d_cache<double>),
        kReadsInputs),
    with_reads(
        with_gate(with_fresh(row<MaxPool2dOp>(OpKind::MaxPool2d, 1, 1, OpCurvature::None), 0b1)),
        0),
    row<AvgPool2dOp>(OpKind::AvgPool2d, 1, 1, OpCurvature::None),
    row<GlobalAvgPoolOp>(OpKind::GlobalAvgPool, 1, 1, OpCurvature::None),
    with_reads(with_fresh(row<FlattenOp>(OpKind::Flatten, 1, 1, OpCurvature::None), 0b1), 0),
    with_reads(with_fresh(row<ReshapeOp>(OpKind::Reshape, 1, 1, OpCurvature::None), 0b1), 0),
    row<TransposeOp>(OpKind::Transpose, 1, 1, OpCurvature::None),
    row<ConcatOp>(OpKind::Concat, 1, kMaxArity, OpCurvature::None),
    row<SliceOp>(OpKind::Slice, 1, 1, OpCurvature::None),
    row<ReduceMeanOp>(OpKind::ReduceMean, 1, 1, OpCurvature::None),
    with_reads(row<AddOp>(OpKind::Add, 2, 2, OpCurvature::None), 0),
    with_reads(row<SubOp>(OpKind::Sub, 2, 2, OpCurvature::None), 0),
    row<MulOp>(OpKind::Mul, 2, 2, OpCurvature::Bilinear),
    row<DivOp>(OpKind::Div, 2, 2),
    with_reads(with_gate(with_fresh(row<ReluOp>(OpKind::Relu, 1, 1, OpCurvature::None), 0b1)),
               kReadsOutput),
    with_reads(
        with_gate(with_fresh(row<LeakyReluOp>(OpKind::LeakyRelu, 1, 1, OpCurvature::None), 0b1)),
        0),
    with_reads(with_fresh(row<TanhOp>(OpKind::Tanh, 1, 1), 0b1), kReadsOutput),
    with_reads(with_fresh(row<SigmoidOp>(OpKind::Sigmoid, 1, 1), 0b1), kReadsOutput),
    with_reads(with_fresh(row<GeluOp>(OpKind::Gelu, 1, 1), 0b1), 0),
    with_reads(with_fresh(row<GeluTanhOp>(OpKind::GeluTanh, 1, 1), 0b1), 0),
    with_reads(with_fresh(row<SiluOp>(OpKind::Silu, 1, 1), 0b1), 0),
    with_reads(with_fresh(row<SoftplusOp>(OpKind::Softplus, 1, 1), 0b1), 0),
    with_reads(with_fresh(row<DropoutOp>(OpKind::Dropout, 1, 1, OpCurvature::None), 0b1),
               kReadsOutput),
    row<SoftmaxOp>(OpKind::Softmax, 1, 1),
    row<LogSoftmaxOp>(OpKind::LogSoftmax, 1, 1),
    with_reads(
        with_cache(with_fresh(row<BatchNormOp>(OpKind::BatchNorm, 5, 5, OpCurvature::Bilinear,
                                               0b01111),  // not σ²
                              0b00001),
                   &batch_norm_cache<float>, &batch_norm_cache<double>),
        kReadsInputs),
    row<LayerNormOp>(OpKind::LayerNorm, 3, 3),
    row<EmbeddingOp>(OpKind::Embedding, 2, 2, OpCurvature::None),
    row<CrossEntropyOp>(OpKind::CrossEntropy, 2, 2),
    row<MseOp>(OpKind::Mse, 2, 2),
};

// Row i describes OpKind i with a valid arity: a missing row (the array's default-initialized
// tail) or a misplaced one fails the build.
constexpr bool table_in_order() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    const OpInfo& r = kTable[i];
    if (r.kind != static_cast<OpKind>(i)) return false;
    const bool source = r.kind == OpKind::Input || r.kind == OpKind::Label ||
                        r.kind == OpKind::Param || r.kind == OpKind::Constant;
    if (!source && (r.min_arity < 1 || r.max_arity < r.min_arity || r.max_arity > kMaxArity))
      return false;
  }
  return true;
}
static_assert(kTable.size() == kOpKindCount, "one op-table row per OpKind");
static_assert(table_in_order(), "op-table rows follow OpKind, each with a valid arity");

// Every op but the sources has its shape inference and rules. Checked at compile time where the
// compiler can compare function addresses in a constant expression; GCC cannot under
// -fsanitize=undefined (HESS_SANITIZE), where tests/enum_names_test.cpp walks every op instead.
#ifndef HESS_SANITIZE
constexpr bool table_has_rules() {
  for (const OpInfo& r : kTable) {
    const bool source = r.kind == OpKind::Input || r.kind == OpKind::Label ||
                        r.kind == OpKind::Param || r.kind == OpKind::Constant;
    if (!source && (r.infer == nullptr || r.rules_d.value == nullptr)) return false;
  }
  return true;
}
static_assert(table_has_rules(), "every op-table row but the sources has its rules");
#endif

}  // namespace

const OpInfo& op_info(OpKind kind) {
  assert(static_cast<size_t>(kind) < kTable.size());
  return kTable[static_cast<size_t>(kind)];
}

bool has_gated_ops(const Graph& graph) {
  for (const Node& n : graph.nodes) {
    if (op_info(n.op).gated) return true;
  }
  return false;
}

template <>
const OpRules<float>& op_rules<float>(OpKind kind) {
  return op_info(kind).rules_f;
}
template <>
const OpRules<double>& op_rules<double>(OpKind kind) {
  return op_info(kind).rules_d;
}

}  // namespace hess
