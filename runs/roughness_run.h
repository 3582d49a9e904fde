#pragma once
// `hessian roughness` as a library call: the roughness index of Wu et al. around a model's
// parameters, or at each checkpoint of a training run (`along`), written to the group /roughness
// of the result file.

#include <string>

#include "analyzers/roughness.h"
#include "io/record.h"
#include "runs/observer.h"
#include "runs/output.h"
#include "runs/workspace.h"

namespace hess::runs {

struct RoughnessRun {
  Inputs inputs;               // with `along`, inputs.model and inputs.arch stay empty
  RoughnessOptions roughness;  // its seed is inputs.seed
  std::string along;           // a folder, glob or series file of checkpoints; "" for one model
  Output output;
};

Record roughness(const RoughnessRun& run, Observer& observer);

}  // namespace hess::runs
