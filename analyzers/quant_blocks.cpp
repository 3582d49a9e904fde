#include "analyzers/quant_blocks.h"

#include <fnmatch.h>

#include "engine/block_select.h"
#include "engine/enum_names.h"
#include "engine/field_error.h"

namespace hess {

namespace {

bool matches(const std::string& glob, const std::string& name) {
  return fnmatch(glob.c_str(), name.c_str(), 0) == 0;
}

std::string quantizable_names(const Graph& graph) {
  std::string s;
  for (const Block& b : graph.blocks) {
    if (!is_quantizable(b)) continue;
    if (!s.empty()) s += ", ";
    s += b.name;
  }
  return s.empty() ? "none" : s;
}

}  // namespace

bool is_quantizable(const Block& block) {
  if (block.role == BlockRole::Embedding) return true;
  return block.role == BlockRole::Weight && block.shape.size() >= 2;
}

QuantBlocks select_quant_blocks(const Graph& graph, const std::vector<std::string>& layers,
                                const std::vector<std::string>& ties, bool all_roles) {
  std::vector<int> matched;
  if (layers.empty()) {
    for (size_t b = 0; b < graph.blocks.size(); ++b) matched.push_back(static_cast<int>(b));
  } else {
    matched = select_blocks(graph, layers);  // throws for a glob matching nothing
  }
  QuantBlocks q;
  for (int b : matched) {
    if (all_roles || is_quantizable(graph.blocks[b])) q.blocks.push_back(b);
  }
  if (q.blocks.empty()) {
    std::string skipped;
    for (int b : matched) {
      if (!skipped.empty()) skipped += ", ";
      skipped += graph.blocks[b].name + " (" + std::string(name_of(graph.blocks[b].role)) + ")";
    }
    throw FieldError("layers",
                     "matches no quantizable block (biases, normalization parameters "
                     "and 1-D weights stay in full precision); matched: " +
                         (skipped.empty() ? std::string("none") : skipped) +
                         "; quantizable: " + quantizable_names(graph));
  }
  const int n = static_cast<int>(q.blocks.size());
  std::vector<int> tie(n, -1);  // which tie glob holds each position
  for (size_t t = 0; t < ties.size(); ++t) {
    bool any = false;
    for (int i = 0; i < n; ++i) {
      if (!matches(ties[t], graph.blocks[q.blocks[i]].name)) continue;
      any = true;
      if (tie[i] >= 0) {
        throw FieldError("ties", ": block " + graph.blocks[q.blocks[i]].name + " is tied by '" +
                                     echoed(ties[tie[i]]) + "' and by '" + echoed(ties[t]) + "'");
      }
      tie[i] = static_cast<int>(t);
    }
    if (!any) {
      std::string selected;
      for (int b : q.blocks) selected += (selected.empty() ? "" : ", ") + graph.blocks[b].name;
      throw FieldError(
          "ties", ": '" + echoed(ties[t]) + "' matches no selected block; selected: " + selected);
    }
  }
  q.unit_of.assign(n, -1);
  std::vector<int> unit_of_tie(ties.size(), -1);
  for (int i = 0; i < n; ++i) {
    if (tie[i] >= 0 && unit_of_tie[tie[i]] >= 0) {
      q.unit_of[i] = unit_of_tie[tie[i]];
    } else {
      q.unit_of[i] = static_cast<int>(q.units.size());
      q.units.emplace_back();
      if (tie[i] >= 0) unit_of_tie[tie[i]] = q.unit_of[i];
    }
    q.units[q.unit_of[i]].push_back(i);
  }
  return q;
}

}  // namespace hess
