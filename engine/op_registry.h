#pragma once
// The op table: one row per OpKind with its name, arity, shape inference and rules for float and
// double. Files, error messages and ONNX import all go through it.

#include <string_view>

#include "engine/op_kind.h"
#include "engine/ops/op_rules.h"

namespace hess {

struct OpInfo {
  OpKind kind;
  std::string_view name;
  int min_arity;
  int max_arity;
  InferFn infer;  // nullptr for source kinds
  OpRules<float> rules_f;
  OpRules<double> rules_d;
};

const OpInfo& op_info(OpKind kind);

template <class T>
const OpRules<T>& op_rules(OpKind kind);

}  // namespace hess
