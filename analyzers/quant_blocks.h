#pragma once
// Which parameter blocks a quantization study touches, and which of them must share a width.
//
// Quantizable by default: the weight tensors of linear, conv and attention projections (role
// `weight`, rank ≥ 2) and embeddings (role `embedding`). Biases, normalization parameters and
// 1-D weights stay in full precision: they are few, and HAWQ keeps them so. `layers` (shell
// globs over block names, engine/block_select.h's matching) narrows the choice; with `all_roles`
// the globs may pick any block (a bias, a norm) as well.
//
// Tie groups: each glob of `ties` gathers the selected blocks it matches into one group that gets
// one width (HAWQ-V3 ties the two branches a residual addition joins). The allocation's units are
// the tie groups and every untied block on its own, ordered by their first block.
//
//   hess::QuantBlocks q = hess::select_quant_blocks(model.graph, {"layer1.*"}, {"layer1.0.*"});
//   for (int b : q.blocks) model.graph.blocks[b].name ...
//   for (const std::vector<int>& unit : q.units) ...   // positions into q.blocks

#include <string>
#include <vector>

#include "engine/graph.h"

namespace hess {

// Quantizable by default (weights of rank ≥ 2 and embeddings).
bool is_quantizable(const Block& block);

struct QuantBlocks {
  std::vector<int> blocks;              // indices into graph.blocks, in block order
  std::vector<std::vector<int>> units;  // allocation units: positions into `blocks`
  std::vector<int> unit_of;             // for each position in `blocks`, its unit
};

// The blocks of `graph` matched by `layers` (all when empty) that are quantizable (or any, with
// `all_roles`), and their tie groups. Throws FieldError naming `layers` for a glob that matches no
// block or when no quantizable block is left (listing the quantizable ones), and naming `ties` for
// a glob that matches no selected block or a block that two globs tie.
QuantBlocks select_quant_blocks(const Graph& graph, const std::vector<std::string>& layers,
                                const std::vector<std::string>& ties, bool all_roles = false);

}  // namespace hess
