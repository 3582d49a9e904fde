#pragma once
// What --curvature and --layers select, shared by the spectral commands (eigen, trace, diag,
// density, report): the Hessian or GGN of the session's objective, whole or restricted to the
// parameter blocks whose names match the --layers globs, and the layers within that selection.
//
//   hess::cli::CurvatureTarget t(*session, o);          // UsageError for a bad name or glob
//   hess::EigenResult r = hess::run(eo, t.op());
//   std::vector<hess::ParamGroup> g = t.layer_groups(); // per-layer groups in t.op()'s coordinates
//
// A layer is the blocks sharing a name prefix (engine/block_select.h, group_layers); with --layers
// only its selected blocks count.

#include <memory>
#include <string>
#include <vector>

#include "analyzers/param_groups.h"
#include "analyzers/status.h"
#include "engine/curvature_operator.h"
#include "io/result_file.h"
#include "tools/common_options.h"
#include "tools/session.h"

namespace hess::cli {

struct LayerBlocks {
  std::string name;
  std::vector<int> blocks;  // indices into graph.blocks, all selected
};

class CurvatureTarget {
 public:
  CurvatureTarget(Session& session, const CommonOptions& o);

  // The operator the analyses run on: restricted when --layers was given.
  const CurvatureOperator& op() const;
  Curvature kind() const { return kind_; }
  // Names of the selected blocks, in block order.
  const std::vector<std::string>& block_names() const { return block_names_; }
  const std::vector<LayerBlocks>& layers() const { return layers_; }
  // One group per layer, in op()'s coordinates.
  std::vector<ParamGroup> layer_groups() const;
  // The operator restricted to one layer's selected blocks (its diagonal block H_ll).
  std::unique_ptr<RestrictedOperator> layer_operator(size_t layer) const;
  // Attributes `curvature`, `layers` (selected block names) and `parameters` on a result group.
  void describe(ResultGroup& g) const;
  // "2,410 parameters, hessian" plus ", blocks fc1.weight fc1.bias" under --layers.
  std::string summary() const;

 private:
  const Graph& graph_;
  Curvature kind_;
  std::unique_ptr<ObjectiveOperator> full_;
  std::unique_ptr<RestrictedOperator> restricted_;
  std::vector<int> blocks_;
  std::vector<std::string> block_names_;
  std::vector<LayerBlocks> layers_;
};

// The metadata of one analysis group: the session's (tools/result_metadata.h) with the analysis's
// own HVP count and seconds (a report runs several analyses on one session).
ResultMetadata analysis_metadata(const Session& s, const CommonOptions& o, int64_t hvps,
                                 double seconds);

// Throws a runtime error (exit 1) "ANALYSIS: MESSAGE" when the analysis met NaN or Inf; other
// statuses are reported, not errors.
void fail_if_non_finite(const char* analysis, Status status, const std::string& message);

}  // namespace hess::cli
