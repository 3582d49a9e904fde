#pragma once
// Selecting parameter blocks by name glob ("layer1.*", "*.weight", "fc2.bias"), as --layers does.

#include <string>
#include <vector>

#include "engine/graph.h"

namespace hess {

// Indices of the blocks whose names match any of the globs (shell wildcards * ? [..]), in block
// order. Throws std::invalid_argument naming a glob that matches nothing, with the list of block
// names.
std::vector<int> select_blocks(const Graph& graph, const std::vector<std::string>& globs);

// "fc1.weight [128, 784], fc1.bias [128], ...": for messages.
std::string list_blocks(const Graph& graph);

// Groups blocks into layers: blocks sharing the prefix before their last '.' ("fc1.weight" and
// "fc1.bias" form layer "fc1"). Returns (layer name, block indices) in block order.
std::vector<std::pair<std::string, std::vector<int>>> group_layers(const Graph& graph);

}  // namespace hess
