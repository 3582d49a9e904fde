#include "engine/block_select.h"
#include "engine/field_error.h"

#include <fnmatch.h>

#include <stdexcept>

namespace hess {

std::vector<int> select_blocks(const Graph& graph, const std::vector<std::string>& globs) {
  std::vector<bool> chosen(graph.blocks.size(), false);
  for (const std::string& g : globs) {
    bool any = false;
    for (size_t b = 0; b < graph.blocks.size(); ++b) {
      if (fnmatch(g.c_str(), graph.blocks[b].name.c_str(), 0) == 0) {
        chosen[b] = true;
        any = true;
      }
    }
    if (!any)
      throw FieldError("layers", "'" + g + "' matches no block; blocks: " + list_blocks(graph));
  }
  std::vector<int> out;
  for (size_t b = 0; b < chosen.size(); ++b) {
    if (chosen[b]) out.push_back(static_cast<int>(b));
  }
  return out;
}

std::string list_blocks(const Graph& graph) {
  std::string s;
  for (const Block& b : graph.blocks) {
    if (!s.empty()) s += ", ";
    s += b.name + " " + to_string(b.shape);
  }
  return s;
}

std::vector<std::pair<std::string, std::vector<int>>> group_layers(const Graph& graph) {
  std::vector<std::pair<std::string, std::vector<int>>> layers;
  for (size_t b = 0; b < graph.blocks.size(); ++b) {
    const std::string& name = graph.blocks[b].name;
    const size_t dot = name.rfind('.');
    const std::string layer = dot == std::string::npos ? name : name.substr(0, dot);
    if (layers.empty() || layers.back().first != layer)
      layers.emplace_back(layer, std::vector<int>{});
    layers.back().second.push_back(static_cast<int>(b));
  }
  return layers;
}

}  // namespace hess
