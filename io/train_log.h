#pragma once
// The log of a training run, RUN_DIR/train_log.h5 (docs/formats.md, "Training log"): one row per
// step written as the run goes, the run's settings (a Fingerprint that --resume must match), the
// command lines of the first run and of every resume, and a status: `running` (or the process
// died), `interrupted` (stopped by a signal, resumable), `complete` or `failed`. With sharpness
// tracking, the group /sharpness holds the edge-of-stability series (runs/eos_series.h describes
// it), rewritten and flushed as each measurement completes.
//
//   hess::TrainLog log = hess::TrainLog::create(log_path(dir), total, settings, command_line);
//   log.add(step_record);  ...  log.flush();
//   log.close("complete", final_loss, final_accuracy);

#include <cstdint>
#include <string>

#include "engine/trainer.h"
#include "io/fingerprint.h"
#include "io/record.h"

namespace hess {

class TrainLog {
 public:
  // A new log for a run of `total_steps` steps.
  static TrainLog create(const std::string& path, int64_t total_steps, const Fingerprint& settings,
                         const std::string& command_line);
  // Reopens the log of an earlier run to continue after step `step` (rows after it are dropped)
  // for `total_steps` steps in all. Throws FieldError("resume", …) naming the first setting that
  // differs.
  static TrainLog resume(const std::string& path, int64_t step, int64_t total_steps,
                         const Fingerprint& settings, const std::string& command_line);

  TrainLog(TrainLog&&) noexcept;
  TrainLog& operator=(TrainLog&&) noexcept;
  ~TrainLog();

  const std::string& path() const;
  void add(const TrainStep& s);
  // Writes the rows added so far to the file and flushes it.
  void flush();
  // Replaces the group /sharpness by `series` (its attributes and datasets, io/record_hdf5.h) and
  // flushes the file.
  void write_sharpness(const Record& series);
  // The name of that group.
  static constexpr const char* kSharpnessGroup = "sharpness";

  // Flushes, records the status ("complete", "interrupted", "failed") and the final figures,
  // closes.
  void close(const std::string& status, double final_loss, double final_accuracy);

  struct Impl;  // the open file and the rows not yet written

 private:
  explicit TrainLog(Impl* impl);
  Impl* impl_;
};

}  // namespace hess
