#pragma once
// Where a run's result goes and what every result says about its run.
//
//   hess::runs::Output out{"results.h5", "hessian eigen --k 5 ..."};
//   hess::ResultFile rf(out.out);                              // before the work: refuses a bad
//   file hess::Record r = describe_eigen(options, result); hess::runs::commit_group(rf, "eigen", r,
//   ws.metadata(out.command_line, hvps, seconds)); hess::runs::describe_run(r, ws, out, hvps,
//   seconds);     // the common keys of the summary

#include <cstdint>
#include <string>

#include "analyzers/status.h"
#include "io/record.h"
#include "io/result_file.h"
#include "runs/curvature_target.h"
#include "runs/workspace.h"

namespace hess::runs {

struct Output {
  std::string out = "results.h5";  // the result file (appended)
  std::string command_line;        // recorded in the metadata of every group written
};

// Writes `record` as group `name` of `file` and commits the file with `meta` on the group.
void commit_group(ResultFile& file, const std::string& name, const Record& record,
                  const ResultMetadata& meta);

// What every spectral analysis writes: the target's fields added to `record`, then `record`
// committed as group `name` with the workspace's metadata.
void commit_target_group(ResultFile& file, const std::string& name, Record& record,
                         const CurvatureTarget& target, const Workspace& ws,
                         const std::string& command_line, int64_t hvps, double seconds);

// The keys every summary of a run on a model carries (docs/cli.md, "JSON"): `model`, `data` (also
// heading lines), `samples`, `out` (not when out.out is empty), `precision`, `seed`, `threads`,
// `ranks`, `hvps`, `seconds`; in the summary only (the result group has them as metadata).
void describe_run(Record& r, const Workspace& ws, const Output& out, int64_t hvps, double seconds);

// Fields `status`, `message` and `converged` (status ok) of an analysis.
void describe_status(Record& r, Status status, const std::string& message);

// The outcome of a run of several measurements (eos, train's sharpness tracking): the worst status
// met and the messages of those not ok, "LABEL: MESSAGE; ...", for describe_status.
struct Outcome {
  Status status = Status::Ok;
  std::string message;
  void note(Status s, const std::string& label, const std::string& what);
};

// Throws a runtime error "ANALYSIS: MESSAGE" when the analysis met NaN or Inf (nothing is written
// then); other statuses are reported, not errors.
void fail_if_non_finite(const char* analysis, Status status, const std::string& message);

}  // namespace hess::runs
