#pragma once
// Embedding lookup: rows of a table selected by integer ids.

#include "engine/ops/op_rules.h"

namespace hess {

HESS_DECLARE_OP(EmbeddingOp)

}  // namespace hess
