#include "engine/multiaffine.h"

#include <cstdint>
#include <vector>

#include "engine/op_registry.h"

namespace hess {

namespace {

// The parameter blocks a node depends on, one bit per block.
using BlockSet = std::vector<uint64_t>;

bool intersects(const BlockSet& a, const BlockSet& b) {
  for (size_t w = 0; w < a.size(); ++w) {
    if (a[w] & b[w]) return true;
  }
  return false;
}

bool empty(const BlockSet& a) {
  for (uint64_t w : a) {
    if (w) return false;
  }
  return true;
}

std::string first_common_block(const Graph& g, const BlockSet& a, const BlockSet& b) {
  for (size_t i = 0; i < g.blocks.size(); ++i) {
    const uint64_t bit = uint64_t{1} << (i % 64);
    if ((a[i / 64] & bit) && (b[i / 64] & bit)) return g.blocks[i].name;
  }
  return {};
}

std::string describe(const Node& n) {
  return "node '" + n.name + "' (" + std::string(name_of(n.op)) + ")";
}

}  // namespace

Multiaffinity check_multiaffine(const Graph& g) {
  const size_t words = (g.blocks.size() + 63) / 64;
  std::vector<BlockSet> deps(g.nodes.size(), BlockSet(words, 0));
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    if (n.op == OpKind::Param) {
      deps[i][n.block / 64] |= uint64_t{1} << (n.block % 64);
      continue;
    }
    for (int in : n.inputs) {
      for (size_t w = 0; w < words; ++w) deps[i][w] |= deps[in][w];
    }
    if (static_cast<int>(i) == g.loss || empty(deps[i])) continue;
    const OpInfo& info = op_info(n.op);
    for (size_t j = 0; j < n.inputs.size(); ++j) {
      if (empty(deps[n.inputs[j]])) continue;
      if (!(info.affine & (1u << j)))
        return {false, describe(n) + " is not affine in its input " + std::to_string(j)};
      if (info.curvature == OpCurvature::None) continue;
      for (size_t l = j + 1; l < n.inputs.size(); ++l) {
        if (intersects(deps[n.inputs[j]], deps[n.inputs[l]])) {
          return {false, describe(n) + " multiplies inputs " + std::to_string(j) + " and " +
                             std::to_string(l) + " that both depend on '" +
                             first_common_block(g, deps[n.inputs[j]], deps[n.inputs[l]]) + "'"};
        }
      }
    }
  }
  return {true, {}};
}

}  // namespace hess
