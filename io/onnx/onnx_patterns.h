#pragma once
// Folding the decompositions PyTorch's exporter emits back into single ops.
//
// torch.onnx.export at opsets 13-17 has no Gelu op, and no LayerNormalization below opset 17, so it
// writes them out elementwise. The engine has exact ops for them (and their derivatives), so the
// importer recognises the chains and replaces each by one node:
//
//   0.5 · x · (1 + Erf(x / √2))                          -> Gelu, approximate = "none"   (engine
//   gelu) 0.5 · x · (1 + Tanh(√(2/π) · (x + 0.044715 · x³)))   -> Gelu, approximate = "tanh"
//   (gelu_tanh) x · Sigmoid(x)                                       -> hess.Silu (silu) d = x −
//   ReduceMean(x);  d / Sqrt(ReduceMean(d²) + ε) [· γ] [+ β]
//                                                        -> LayerNormalization(x, γ, β)
//                                                        (layer_norm)
//
// Constants are matched to float32 precision (they are stored as float32), the factors of the
// products in any order. A chain is folded only when its intermediate values feed nothing else.
// The fused node takes the name and output of the chain's last node.

#include <string>
#include <unordered_map>

#include "io/onnx/onnx_graph.h"

namespace hess::onnx_import {

// The domain of importer-internal ops (hess.Silu).
inline constexpr const char* kInternalDomain = "hess";

// Rewrites the chains in `graph` (which stays topologically sorted and indexed). `initializers`
// maps initializer names to their tensors, to read constants.
void fold_patterns(OnnxGraph& graph,
                   const std::unordered_map<std::string, const onnx::TensorProto*>& initializers);

}  // namespace hess::onnx_import
