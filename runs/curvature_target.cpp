#include "runs/curvature_target.h"

#include <algorithm>

#include "engine/block_select.h"
#include "engine/number_format.h"

namespace hess::runs {

CurvatureTarget::CurvatureTarget(Workspace& ws, const TargetSpec& spec)
    : ws_(ws), graph_(ws.model().graph), kind_(spec.curvature) {
  full_ = std::make_unique<ObjectiveOperator>(ws.objective(), kind_);
  if (spec.layers.empty()) {
    for (size_t b = 0; b < graph_.blocks.size(); ++b) blocks_.push_back(static_cast<int>(b));
  } else {
    blocks_ = select_blocks(graph_, spec.layers);
    restricted_ = std::make_unique<RestrictedOperator>(*full_, graph_, blocks_);
  }
  for (int b : blocks_) block_names_.push_back(graph_.blocks[b].name);
  for (const auto& [name, members] : group_layers(graph_)) {
    LayerBlocks layer{name, {}};
    for (int b : members) {
      if (std::find(blocks_.begin(), blocks_.end(), b) != blocks_.end()) layer.blocks.push_back(b);
    }
    if (!layer.blocks.empty()) layers_.push_back(std::move(layer));
  }
}

const CurvatureOperator& CurvatureTarget::op() const {
  if (restricted_) return *restricted_;
  return *full_;
}

const CurvatureOperator& CurvatureTarget::op_in_double() const {
  if (ws_.objective().precision() == Precision::F64) return op();
  Objective& in_double = ws_.double_objective();  // at the objective's θ of this moment
  if (!full_double_) {
    full_double_ = std::make_unique<ObjectiveOperator>(in_double, kind_);
    if (restricted_) {
      restricted_double_ = std::make_unique<RestrictedOperator>(*full_double_, graph_, blocks_);
    }
  }
  if (restricted_double_) return *restricted_double_;
  return *full_double_;
}

std::vector<ParamGroup> CurvatureTarget::layer_groups() const {
  // Offset of each selected block in op()'s coordinates: blocks are laid out in selection order.
  std::vector<int64_t> offset(graph_.blocks.size(), -1);
  int64_t at = 0;
  for (int b : blocks_) {
    offset[b] = restricted_ ? at : graph_.blocks[b].offset;
    at += graph_.blocks[b].size();
  }
  std::vector<ParamGroup> groups;
  for (const LayerBlocks& l : layers_) {
    ParamGroup g{l.name, {}};
    for (int b : l.blocks) g.ranges.emplace_back(offset[b], graph_.blocks[b].size());
    groups.push_back(std::move(g));
  }
  return groups;
}

std::unique_ptr<RestrictedOperator> CurvatureTarget::layer_operator(size_t layer) const {
  return std::make_unique<RestrictedOperator>(*full_, graph_, layers_.at(layer).blocks);
}

void CurvatureTarget::describe(Record& r) const {
  r.add("curvature", name_of(kind_));
  r.add("layers", block_names_).only(kAttr);
  r.add("parameters", op().rows());
}

std::string CurvatureTarget::summary() const {
  std::string s = grouped(op().rows()) + " parameters, " + std::string(name_of(kind_));
  if (restricted_) {
    s += ", blocks";
    for (const std::string& n : block_names_) s += " " + n;
  }
  return s;
}

}  // namespace hess::runs
