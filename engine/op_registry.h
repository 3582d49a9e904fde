#pragma once
// The op table: one row per OpKind with its name, arity, shape inference and rules for float and
// double. Files, error messages and ONNX import all go through it.

#include <cstdint>
#include <string_view>

#include "engine/graph.h"
#include "engine/op_kind.h"
#include "engine/ops/op_rules.h"

namespace hess {

// The shape of an op's second derivative. An HVP needs the adjoint of an activation only when some
// op downstream of it has a curvature term (the part of its adjoint-tangent rule proportional to
// ȳ); the evaluation context skips the others (e.g. every adjoint below the first layer of a ReLU
// MLP).
//   None      second derivative zero: linear (add, reshape, average pooling) or piecewise linear
//             (relu, max pooling)
//   Bilinear  linear in input 0 and in input 1 separately, later inputs additive (linear, matmul,
//             conv2d, mul): a curvature term only when inputs 0 and 1 both vary
//   General   anything else; the safe default
enum class OpCurvature : uint8_t { None, Bilinear, General };

// The inputs in which an op's output is affine when its other inputs are held fixed, one bit per
// input (bit i: input i). What engine/multiaffine.h reads to decide whether the network output is
// affine in every single parameter, so that diag(H) = diag(GGN). Every input for None and Bilinear
// ops, none for General ones, unless the table says otherwise (batch_norm: not in σ²).
using AffineInputs = uint8_t;
constexpr AffineInputs kAffineInAll = 0xFF;
constexpr AffineInputs kAffineInNone = 0;
constexpr AffineInputs affine_inputs_of(OpCurvature c) {
  return c == OpCurvature::General ? kAffineInNone : kAffineInAll;
}
static_assert(kMaxArity <= 8, "AffineInputs holds one bit per input");

// The inputs whose adjoint-tangent the op's adjoint_tangent rule can overwrite instead of adding
// to, one bit per input (bit i: input i). When the op is the only reader of an input, the
// evaluation context hands it that input's adjt unzeroed with `adjt_fresh` set (engine/autodiff.h,
// "Fresh adjoint-tangents"): the rule writes all of it and clears the flag, saving a pass that
// zeroes the buffer and the reads of adding to zeros.
using FreshInputs = uint8_t;
constexpr FreshInputs kFreshNone = 0;

// The values an op's rules read besides its own parameters' (tangent, adjoint, adjoint_tangent and
// the cache rule: what runs on a kept batch): one bit per input (bit i: input i's value) and
// kReadsOutput for its own output's. Shapes do not count (every value keeps its shape). A kept
// batch keeps only the values some rule reads (engine/autodiff.h).
using ReadValues = uint16_t;
constexpr ReadValues kReadsOutput = ReadValues{1} << kMaxArity;
constexpr ReadValues kReadsInputs = kReadsOutput - 1;
constexpr ReadValues kReadsAll = kReadsInputs | kReadsOutput;

struct OpInfo {
  OpKind kind;
  int min_arity;
  int max_arity;
  InferFn infer;  // nullptr for source kinds
  OpRules<float> rules_f;
  OpRules<double> rules_d;
  OpCurvature curvature = OpCurvature::General;
  AffineInputs affine = kAffineInNone;
  FreshInputs fresh = kFreshNone;
  // The op's derivatives jump where an input crosses a threshold the value pass decides (relu's 0,
  // max-pooling's argmax): a float value pass can put a gate on the wrong side of it, so float
  // contexts of graphs with such ops run curvature value passes in double (engine/autodiff.h).
  bool gated = false;
  ReadValues reads = kReadsAll;
};

const OpInfo& op_info(OpKind kind);

// Whether any node of `graph` is an op with gates (OpInfo::gated).
bool has_gated_ops(const Graph& graph);

template <class T>
const OpRules<T>& op_rules(OpKind kind);

}  // namespace hess
