#include "io/train_log.h"

#include <array>
#include <cmath>
#include <limits>
#include <memory>

#include "engine/field_error.h"
#include "io/atomic_output.h"
#include "io/file_error.h"
#include "io/hdf5_file.h"
#include "io/record_hdf5.h"

namespace hess {

namespace {

constexpr const char* kLogFormat = "hessian-train-log";
constexpr int64_t kLogFormatVersion = 1;
const char* const kColumns[] = {"step", "epoch", "loss", "accuracy", "learning_rate", "samples"};
constexpr size_t kNumColumns = std::size(kColumns);
constexpr int64_t kLogChunkRows = 1024;

std::array<double, kNumColumns> row_of(const TrainStep& s) {
  return {static_cast<double>(s.step),
          static_cast<double>(s.epoch),
          s.loss,
          s.accuracy,
          s.learning_rate,
          static_cast<double>(s.samples)};
}

void check_format(const h5::Object& root) {
  if (!root.has_attr("format") || root.string_attr("format") != kLogFormat) {
    root.fail(std::string("not a ") + kLogFormat + " file");
  }
  const int64_t v = root.int_attr("version");
  if (v != kLogFormatVersion) {
    root.fail("unknown " + std::string(kLogFormat) + " version " + std::to_string(v) +
              " (this engine reads " + std::to_string(kLogFormatVersion) + ")");
  }
}

}  // namespace

struct TrainLog::Impl {
  std::string path;
  h5::File file;
  std::vector<h5::Dataset> columns;
  int64_t total = 0;
  int64_t written = 0;  // rows in the file
  std::vector<std::array<double, kNumColumns>> pending;

  Impl(std::string p, h5::File f) : path(std::move(p)), file(std::move(f)) {}
};

namespace {

// Creates the log (at NAME.partial, renamed once its header is complete) with `rows` copied in.
TrainLog::Impl* create_log(const std::string& path, int64_t total, const Fingerprint& settings,
                           const std::vector<std::string>& command_lines,
                           const std::vector<std::vector<double>>& rows) {
  auto out = std::make_unique<AtomicOutput>(path, OutputKind::hdf5_file(kLogFormat));
  auto* impl = new TrainLog::Impl(path, h5::File::create(out->partial_path()));
  try {
    h5::File& f = impl->file;
    f.set_attr("format", h5::Value{std::string(kLogFormat)});
    f.set_attr("version", h5::Value{kLogFormatVersion});
    f.set_attr("engine_version", h5::Value{std::string(HESS_VERSION)});
    f.set_attr("status", h5::Value{std::string("running")});
    f.set_attr("command_lines", h5::Value{command_lines});
    f.set_attr("total_steps", h5::Value{total});
    const int64_t done = rows.empty() ? 0 : static_cast<int64_t>(rows[0].size());
    f.set_attr("steps_done", h5::Value{done});
    settings.write(f);
    // Columns grow as the run goes: a log holds the steps done, never a pre-filled total.
    for (size_t c = 0; c < kNumColumns; ++c) {
      impl->columns.push_back(f.create_growable(kColumns[c], kLogChunkRows));
      if (done > 0) impl->columns.back().append(rows[c].data(), done);
    }
    impl->total = total;
    impl->written = done;
    f.flush();
    out->commit();
  } catch (...) {
    delete impl;
    throw;
  }
  return impl;
}

}  // namespace

TrainLog::TrainLog(Impl* impl) : impl_(impl) {}
TrainLog::TrainLog(TrainLog&& o) noexcept : impl_(o.impl_) {
  o.impl_ = nullptr;
}
TrainLog& TrainLog::operator=(TrainLog&& o) noexcept {
  std::swap(impl_, o.impl_);
  return *this;
}
TrainLog::~TrainLog() {
  delete impl_;
}

TrainLog TrainLog::create(const std::string& path, int64_t total_steps, const Fingerprint& settings,
                          const std::string& command_line) {
  return TrainLog(create_log(path, total_steps, settings, {command_line}, {}));
}

const std::string& TrainLog::path() const {
  return impl_->path;
}

TrainLog TrainLog::resume(const std::string& path, int64_t step, int64_t total_steps,
                          const Fingerprint& settings, const std::string& command_line) {
  std::vector<std::string> command_lines;
  std::vector<std::vector<double>> rows;
  {
    h5::File old = h5::File::open_read(path);
    check_format(old);
    const std::string diff = settings.first_difference(Fingerprint::read(old));
    if (!diff.empty()) {
      throw FieldError("resume", ": " + diff + " (" + path + "; a resumed run keeps its settings)");
    }
    if (old.int_attr("steps_done") < step)
      old.fail("the log ends before the checkpoint of step " + std::to_string(step));
    command_lines = old.strings_attr("command_lines");
    for (const char* c : kColumns)
      rows.push_back(step > 0 ? old.dataset(c).read_range(0, step) : std::vector<double>{});
  }
  command_lines.push_back(command_line);
  return TrainLog(
      create_log(path, total_steps, settings, command_lines, step > 0 ? rows : decltype(rows){}));
}

void TrainLog::add(const TrainStep& s) {
  impl_->pending.push_back(row_of(s));
}

void TrainLog::flush() {
  Impl& m = *impl_;
  const int64_t n = static_cast<int64_t>(m.pending.size());
  if (n == 0) return;
  if (m.written + n > m.total) throw FileError(m.path, "more steps than the log was made for");
  std::vector<double> col(n);
  for (size_t c = 0; c < kNumColumns; ++c) {
    for (int64_t i = 0; i < n; ++i) col[i] = m.pending[i][c];
    m.columns[c].append(col.data(), n);
  }
  m.written += n;
  m.pending.clear();
  m.file.set_attr("steps_done", h5::Value{m.written});
  m.file.flush();
}

void TrainLog::write_sharpness(const Record& series) {
  flush();
  h5::File& f = impl_->file;
  if (f.has(kSharpnessGroup)) f.remove(kSharpnessGroup);
  ResultGroup g(f.create_group(kSharpnessGroup), &f, false);
  write_record(g, series);
  f.flush();
}

void TrainLog::close(const std::string& status, double final_loss, double final_accuracy) {
  flush();
  Impl& m = *impl_;
  m.file.set_attr("status", h5::Value{status});
  m.file.set_attr("final_loss", h5::Value{final_loss});
  m.file.set_attr("final_accuracy", h5::Value{final_accuracy});
  m.columns.clear();
  m.file.close();
}

}  // namespace hess
