#pragma once
// `hessian landscape` as a library call: the loss and accuracy on a 1-D or 2-D grid around a model
// along random, Hessian-eigenvector, interpolation, PCA or file axes. The surface lives in the
// resumable group /landscape of the result file: flushed as points complete, stopped cleanly when
// the observer asks, continued by running the same landscape again (the settings' fingerprint must
// match, io/fingerprint.h), refused when the group holds another landscape. Exported as
// loss-landscape's surface, direction and projection files and as a ParaView surface.
//
// With a test set (LandscapeTest), the same grid is also evaluated on a second data file, after
// the grid on the analysis set: `test_loss` and `test_acc` beside `train_loss` and `train_acc`, as
// loss-landscape writes them. The test set is part of what identifies the landscape: a rerun with
// another (or without one) is another landscape and is refused.

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

// A second data set evaluated on the same grid.
struct LandscapeTest {
  std::string data;     // a data file of the analysis set's sample shape and label kind; "": none
  int64_t samples = 0;  // a seeded subset of this many of its samples (as Inputs::samples); 0: all
  // FieldErrors for a negative sample count, or one given without a file.
  void validate() const;
};

struct LandscapeRun {
  Inputs inputs;
  LandscapeTest test;
  LandscapeOptions grid;
  AxesRequest axes;
  LandscapeExports exports;
  Output output;
};

// Throws std::runtime_error "interrupted by …" (progress kept) when the observer cancels.
Record landscape(const LandscapeRun& run, Observer& observer);

}  // namespace hess::runs
