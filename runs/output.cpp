#include "runs/output.h"

#include <stdexcept>

#include "dist/cluster.h"
#include "io/record_hdf5.h"

namespace hess::runs {

void commit_group(ResultFile& file, const std::string& name, const Record& record,
                  const ResultMetadata& meta) {
  ResultGroup& g = file.group(name);
  write_record(g, record);
  file.commit(meta);
}

void describe_run(Record& r, const Workspace& ws, const Output& out, int64_t hvps, double seconds) {
  constexpr unsigned kSummary = kJson;
  r.add("model", ws.model_label()).only(kSummary).head("model");
  if (ws.has_data()) r.add("data", ws.data_label()).only(kSummary).head("data");
  if (ws.has_objective()) r.add("samples", ws.objective().num_samples()).only(kSummary);
  if (!out.out.empty()) r.add("out", out.out).only(kSummary);
  r.add("precision", name_of(ws.inputs().precision)).only(kSummary);
  r.add("seed", static_cast<int64_t>(ws.inputs().seed)).only(kSummary);
  r.add("threads", ws.objective_options().threads).only(kSummary);
  r.add("ranks", static_cast<int64_t>(dist::size())).only(kSummary);
  r.add("hvps", hvps).only(kSummary);
  if (ws.has_objective()) {
    const KeptBatches k = ws.objective().kept();
    r.add("batches", k.total).only(kSummary);
    r.add("compute_batch", ws.objective().compute_batch_size()).only(kSummary);
    r.add("kept_batches", k.batches).only(kSummary);
  }
  r.add("seconds", seconds).only(kSummary);
}

void commit_target_group(ResultFile& file, const std::string& name, Record& record,
                         const CurvatureTarget& target, const Workspace& ws,
                         const std::string& command_line, int64_t hvps, double seconds) {
  target.describe(record);
  commit_group(file, name, record, ws.metadata(command_line, hvps, seconds));
}

void describe_status(Record& r, Status status, const std::string& message) {
  r.add("status", name_of(status));
  r.add("message", message);
  r.add("converged", status == Status::Ok);
}

void Outcome::note(Status s, const std::string& label, const std::string& what) {
  if (s == Status::Ok) return;
  if (status == Status::Ok || s == Status::NonFinite) status = s;
  message += (message.empty() ? "" : "; ") + label + ": " + what;
}

void fail_if_non_finite(const char* analysis, Status status, const std::string& message) {
  if (status == Status::NonFinite) throw std::runtime_error(std::string(analysis) + ": " + message);
}

}  // namespace hess::runs
