#pragma once
// `hessian info` as a library call: what a model is made of (blocks, ops), whether a data set
// fits it and the loss over the analysis set, and what its passes cost; or, with a data file
// alone, what the data file holds.

#include "io/record.h"
#include "runs/observer.h"
#include "runs/workspace.h"

namespace hess::runs {

// Columns of the timing's k-column product.
constexpr int kTimingColumns = 8;

struct InfoRun {
  Inputs inputs;        // model and arch empty: the data file alone
  bool timing = false;  // time a loss pass, a gradient, an HVP and an 8-column HVP
};

Record info(const InfoRun& run, Observer& observer);

}  // namespace hess::runs
