#pragma once
// The result-file groups of the spectral analyses (docs/formats.md, "Spectral result groups"): what
// `hessian eigen`, `trace`, `diag`, `density` and `report` write, each from an analyzer's options
// and result. The curvature target's attributes and the metadata are added by the caller
// (CurvatureTarget::describe, ResultFile::commit).
//
//   hess::ResultGroup& g = rf.group("eigen");
//   hess::cli::write_eigen(g, options, result);

#include <vector>

#include "analyzers/density.h"
#include "analyzers/diag.h"
#include "analyzers/eigen.h"
#include "analyzers/trace.h"
#include "io/result_file.h"

namespace hess::cli {

// Attributes `status` and `message` of an analysis.
void write_status(ResultGroup& g, Status status, const std::string& message);

void write_eigen(ResultGroup& g, const EigenOptions& o, const EigenResult& r);
// `per_layer`: the traces of the layers' diagonal blocks (r.groups for hutchinson).
void write_trace(ResultGroup& g, const TraceOptions& o, const TraceResult& r,
                 const std::vector<GroupTrace>& per_layer);
void write_diag(ResultGroup& g, const DiagOptions& o, const DiagResult& r);
void write_density(ResultGroup& g, const DensityOptions& o, const DensityResult& r);

}  // namespace hess::cli
