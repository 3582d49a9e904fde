#pragma once
// The metadata every analysis command writes on its result group (DESIGN.md §4), from what the
// session loaded and what the run cost:
//
//   hess::ResultFile rf(o.out);
//   ... rf.group("eigen") ...
//   rf.commit(hess::cli::result_metadata(*session, o, seconds));

#include "io/result_file.h"
#include "tools/common_options.h"
#include "tools/session.h"

namespace hess::cli {

// SHA-256 of the model and data files (empty for --arch models and synthetic data), seed,
// precision, threads, the analysis set's size and the curvature products counted by the
// objective.
ResultMetadata result_metadata(const Session& s, const CommonOptions& o, double seconds);

}  // namespace hess::cli
