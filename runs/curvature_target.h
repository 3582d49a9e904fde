#pragma once
// What a spectral analysis runs on: the Hessian or the GGN of the workspace's objective, whole or
// restricted to the parameter blocks whose names match some globs, and the layers within that
// selection (a layer: the blocks sharing a name prefix, engine/block_select.h group_layers).
//
//   hess::runs::CurvatureTarget t(ws, {hess::Curvature::Hessian, {"fc1.*"}});  // FieldError
//   hess::EigenResult r = hess::run(eo, t.op());
//   std::vector<hess::ParamGroup> g = t.layer_groups();   // per-layer groups in t.op()'s
//   coordinates

#include <memory>
#include <string>
#include <vector>

#include "analyzers/param_groups.h"
#include "engine/autodiff.h"
#include "engine/curvature_operator.h"
#include "io/record.h"
#include "runs/workspace.h"

namespace hess::runs {

struct TargetSpec {
  Curvature curvature = Curvature::Hessian;
  std::vector<std::string> layers;  // block-name globs; empty: all blocks
};

struct LayerBlocks {
  std::string name;
  std::vector<int> blocks;  // indices into graph.blocks, all selected
};

class CurvatureTarget {
 public:
  // Throws FieldError("layers", …) for a glob that matches no block.
  CurvatureTarget(Workspace& ws, const TargetSpec& spec);

  // The operator the analyses run on: restricted when layers were given.
  const CurvatureOperator& op() const;
  // op() in double arithmetic: op() itself for float64 passes, else the same operator on the
  // workspace's double_objective() (made on first use, moved to the objective's θ at every call).
  const CurvatureOperator& op_in_double() const;
  Curvature kind() const { return kind_; }
  const std::vector<std::string>& block_names() const { return block_names_; }
  const std::vector<LayerBlocks>& layers() const { return layers_; }
  // One group per layer, in op()'s coordinates.
  std::vector<ParamGroup> layer_groups() const;
  // The operator restricted to one layer's selected blocks (its diagonal block H_ll).
  std::unique_ptr<RestrictedOperator> layer_operator(size_t layer) const;
  // Fields `curvature`, `layers` (the selected block names, an attribute) and `parameters`.
  void describe(Record& r) const;
  // "2,410 parameters, hessian" plus ", blocks fc1.weight fc1.bias" when restricted.
  std::string summary() const;

 private:
  Workspace& ws_;
  const Graph& graph_;
  Curvature kind_;
  std::unique_ptr<ObjectiveOperator> full_;
  std::unique_ptr<RestrictedOperator> restricted_;
  mutable std::unique_ptr<ObjectiveOperator> full_double_;  // made by op_in_double()
  mutable std::unique_ptr<RestrictedOperator> restricted_double_;
  std::vector<int> blocks_;
  std::vector<std::string> block_names_;
  std::vector<LayerBlocks> layers_;
};

}  // namespace hess::runs
