#include "tools/curvature_flags.h"

#include <algorithm>
#include <stdexcept>

#include "engine/block_select.h"
#include "tools/cli_error.h"
#include "tools/result_metadata.h"
#include "tools/table.h"

namespace hess::cli {

CurvatureTarget::CurvatureTarget(Session& session, const CommonOptions& o)
    : graph_(session.model.graph) {
  kind_ = as_usage([&] { return parse_enum<Curvature>(o.curvature); });
  if (!session.objective) throw std::logic_error("CurvatureTarget: the session has no objective");
  full_ = std::make_unique<ObjectiveOperator>(*session.objective, kind_);
  if (o.layers.empty()) {
    for (size_t b = 0; b < graph_.blocks.size(); ++b) blocks_.push_back(static_cast<int>(b));
  } else {
    blocks_ = as_usage([&] { return select_blocks(graph_, o.layers); });
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

void CurvatureTarget::describe(ResultGroup& g) const {
  g.attr("curvature", std::string(name_of(kind_)));
  g.attr("layers", h5::Value(block_names_));
  g.attr("parameters", op().rows());
}

std::string CurvatureTarget::summary() const {
  std::string s = grouped(op().rows()) + " parameters, " + std::string(name_of(kind_));
  if (restricted_) {
    s += ", blocks";
    for (const std::string& n : block_names_) s += " " + n;
  }
  return s;
}

ResultMetadata analysis_metadata(const Session& s, const CommonOptions& o, int64_t hvps,
                                 double seconds) {
  ResultMetadata m = result_metadata(s, o, seconds);
  m.hvps = hvps;
  return m;
}

void commit_group(ResultFile& rf, const std::string& name, const CurvatureTarget& target,
                  const ResultMetadata& meta, const std::function<void(ResultGroup&)>& fill) {
  ResultGroup& g = rf.group(name);
  fill(g);
  target.describe(g);
  rf.commit(meta);
}

void fail_if_non_finite(const char* analysis, Status status, const std::string& message) {
  if (status == Status::NonFinite) throw std::runtime_error(std::string(analysis) + ": " + message);
}

}  // namespace hess::cli
