#pragma once
// `hessian landscape` as a library call: the loss and accuracy on a 1-D or 2-D grid around a model
// along random, Hessian-eigenvector, interpolation, PCA or file axes. The surface lives in the
// resumable group /landscape of the result file: flushed as points complete, stopped cleanly when
// the observer asks, continued by running the same landscape again (the settings' fingerprint must
// match, io/fingerprint.h), refused when the group holds another landscape. Exported as
// loss-landscape's surface, direction and projection files and as a ParaView surface.

#include <string>

#include "analyzers/landscape.h"
#include "io/record.h"
#include "runs/landscape_axes.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"

namespace hess::runs {

struct LandscapeExports {
  std::string surface;    // loss-landscape's surface file (and STEM.dirs.h5, STEM.proj.h5 for pca)
  std::string vtk;        // a ParaView surface (2-D only)
  double vtk_zmax = 0.0;  // clip the heights (0: no clipping)
  bool vtk_log = false;   // heights log(loss + 0.1)
};

struct LandscapeRun {
  Inputs inputs;
  LandscapeOptions grid;
  AxesRequest axes;
  LandscapeExports exports;
  Output output;
};

// Throws std::runtime_error "interrupted by …" (progress kept) when the observer cancels.
Record landscape(const LandscapeRun& run, Observer& observer);

}  // namespace hess::runs
