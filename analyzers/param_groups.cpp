#include "analyzers/param_groups.h"

#include <stdexcept>

#include "engine/block_select.h"

namespace hess {

int64_t ParamGroup::size() const {
  int64_t n = 0;
  for (const auto& r : ranges) n += r.second;
  return n;
}

std::vector<ParamGroup> layer_groups(const Graph& graph) {
  std::vector<ParamGroup> groups;
  for (const auto& [name, blocks] : group_layers(graph)) {
    ParamGroup g{name, {}};
    for (int b : blocks) g.ranges.emplace_back(graph.blocks[b].offset, graph.blocks[b].size());
    groups.push_back(std::move(g));
  }
  return groups;
}

std::vector<ParamGroup> block_groups(const Graph& graph) {
  std::vector<ParamGroup> groups;
  for (const Block& b : graph.blocks) groups.push_back({b.name, {{b.offset, b.size()}}});
  return groups;
}

void check_groups(const std::vector<ParamGroup>& groups, int64_t num_params, const char* field) {
  for (const ParamGroup& g : groups) {
    if (g.ranges.empty()) {
      throw std::invalid_argument(std::string(field) + ": group '" + g.name + "' has no range");
    }
    for (const auto& [offset, length] : g.ranges) {
      if (offset < 0 || length <= 0 || offset + length > num_params) {
        throw std::invalid_argument(std::string(field) + ": group '" + g.name + "' range (" +
                                    std::to_string(offset) + ", " + std::to_string(length) +
                                    ") is outside the " + std::to_string(num_params) +
                                    " parameters");
      }
    }
  }
}

double group_dot(const ParamGroup& group, const double* x, const double* y) {
  double s = 0.0;
  for (const auto& [offset, length] : group.ranges) {
    for (int64_t i = offset; i < offset + length; ++i) s += x[i] * y[i];
  }
  return s;
}

}  // namespace hess
