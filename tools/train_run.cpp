#include "tools/train_run.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <regex>

#include "io/atomic_output.h"
#include "io/checkpoint_series.h"
#include "io/file_error.h"
#include "io/hdf5_file.h"
#include "io/model_file.h"
#include "tools/cli_error.h"

namespace hess::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLogFormat = "hessian-train-log";
constexpr const char* kStateFormat = "hessian-train-state";
constexpr int64_t kRunFormatVersion = 1;
constexpr int kStepDigits = 9;
const char* const kColumns[] = {"step", "epoch", "loss", "accuracy", "learning_rate", "samples"};
constexpr size_t kNumColumns = std::size(kColumns);

std::array<double, kNumColumns> row_of(const TrainStep& s) {
  return {static_cast<double>(s.step),
          static_cast<double>(s.epoch),
          s.loss,
          s.accuracy,
          s.learning_rate,
          static_cast<double>(s.samples)};
}

void check_format(const h5::Object& root, const char* format) {
  if (!root.has_attr("format") || root.string_attr("format") != format) {
    root.fail(std::string("not a ") + format + " file");
  }
  const int64_t v = root.int_attr("version");
  if (v != kRunFormatVersion) {
    root.fail("unknown " + std::string(format) + " version " + std::to_string(v) +
              " (this engine reads " + std::to_string(kRunFormatVersion) + ")");
  }
}

}  // namespace

std::string log_path(const std::string& dir) {
  return (fs::path(dir) / "train_log.h5").string();
}

std::string checkpoint_path(const std::string& dir, int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%0*lld.h5", kStepDigits, static_cast<long long>(step));
  return (fs::path(dir) / "checkpoints" / name).string();
}

std::string state_path(const std::string& checkpoint) {
  return checkpoint.substr(0, checkpoint.size() - 3) + kOptimizerStateSuffix;
}

std::string save_checkpoint(const std::string& dir, const Model& model, const OptimizerState& state,
                            int64_t steps_per_epoch, uint64_t seed) {
  const std::string path = checkpoint_path(dir, state.step);
  fs::create_directories(fs::path(path).parent_path());
  {
    AtomicOutput out(state_path(path));
    h5::File f = h5::File::create(out.partial_path());
    f.set_attr("format", h5::Value{std::string(kStateFormat)});
    f.set_attr("version", h5::Value{kRunFormatVersion});
    f.set_attr("step", h5::Value{state.step});
    f.set_attr("epoch", h5::Value{state.step / steps_per_epoch});
    f.set_attr("steps_per_epoch", h5::Value{steps_per_epoch});
    f.set_attr("position_in_epoch", h5::Value{state.step % steps_per_epoch});
    f.set_u64_attr("shuffle_seed", seed);
    h5::Group b = f.create_group("buffers");
    std::vector<std::string> order;
    for (const auto& [name, values] : state.buffers) {
      b.create_dataset<double>(name, {static_cast<int64_t>(values.size())}, values.data());
      order.push_back(name);
    }
    b.set_attr("order", h5::Value{order});
    f.close();
    out.commit();
  }
  Attrs meta;
  meta.set("step", state.step);
  meta.set("epoch", state.step / steps_per_epoch);
  meta.set("source", std::string("hessian train"));
  write_model(path, model, meta);
  return path;
}

std::vector<std::string> list_checkpoints(const std::string& dir) {
  std::vector<std::string> found;
  const fs::path d = fs::path(dir) / "checkpoints";
  std::error_code ec;
  if (!fs::is_directory(d, ec)) return found;
  const std::regex name_re("step-[0-9]{" + std::to_string(kStepDigits) + "}\\.h5");
  for (const fs::directory_entry& e : fs::directory_iterator(d, ec)) {
    const std::string name = e.path().filename().string();
    if (!std::regex_match(name, name_re)) continue;
    if (fs::exists(state_path(e.path().string()), ec)) found.push_back(e.path().string());
  }
  std::sort(found.begin(), found.end());  // zero-padded: name order is step order
  return found;
}

Checkpoint load_checkpoint(const std::string& path) {
  Checkpoint c;
  c.path = path;
  c.model = read_model(path);
  const std::string sp = state_path(path);
  h5::File f = h5::File::open_read(sp);
  check_format(f, kStateFormat);
  c.state.step = f.int_attr("step");
  const h5::Group b = f.group("buffers");
  for (const std::string& name : b.strings_attr("order")) {
    const h5::Dataset d = b.dataset(name);
    std::vector<double> values = d.read<double>();
    if (static_cast<int64_t>(values.size()) != c.model.graph.num_params()) {
      d.fail("buffer '" + name + "' has " + std::to_string(values.size()) + " entries, the model " +
             std::to_string(c.model.graph.num_params()));
    }
    c.state.buffers.emplace_back(name, std::move(values));
  }
  return c;
}

// ---------------------------------------------------------------------------------------------

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
TrainLog::Impl* create_log(const std::string& dir, int64_t total, const RunSettings& settings,
                           const std::vector<std::string>& command_lines,
                           const std::vector<std::vector<double>>& rows) {
  const std::string path = log_path(dir);
  auto out = std::make_unique<AtomicOutput>(path);
  auto* impl = new TrainLog::Impl(path, h5::File::create(out->partial_path()));
  try {
    h5::File& f = impl->file;
    f.set_attr("format", h5::Value{std::string(kLogFormat)});
    f.set_attr("version", h5::Value{kRunFormatVersion});
    f.set_attr("engine_version", h5::Value{std::string(HESS_VERSION)});
    f.set_attr("status", h5::Value{std::string("running")});
    f.set_attr("command_lines", h5::Value{command_lines});
    f.set_attr("total_steps", h5::Value{total});
    const int64_t done = rows.empty() ? 0 : static_cast<int64_t>(rows[0].size());
    f.set_attr("steps_done", h5::Value{done});
    h5::Group s = f.create_group("settings");
    for (const auto& [key, value] : settings) s.set_attr(key, h5::Value{value});
    for (size_t c = 0; c < kNumColumns; ++c) {
      impl->columns.push_back(
          f.create_filled(kColumns[c], {total}, std::numeric_limits<double>::quiet_NaN()));
      if (done > 0) impl->columns.back().write_range(0, rows[c].data(), done);
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

TrainLog TrainLog::create(const std::string& dir, int64_t total_steps, const RunSettings& settings,
                          const std::string& command_line) {
  return TrainLog(create_log(dir, total_steps, settings, {command_line}, {}));
}

TrainLog TrainLog::resume(const std::string& dir, int64_t step, int64_t total_steps,
                          const RunSettings& settings, const std::string& command_line) {
  const std::string path = log_path(dir);
  std::vector<std::string> command_lines;
  std::vector<std::vector<double>> rows;
  {
    h5::File old = h5::File::open_read(path);
    check_format(old, kLogFormat);
    const h5::Group s = old.group("settings");
    for (const auto& [key, value] : settings) {
      const std::string was = s.has_attr(key) ? s.string_attr(key) : std::string("(not set)");
      if (was != value) {
        throw UsageError("--resume: " + key + " was " + was + " in " + path + ", now " + value +
                         " (a resumed run keeps its settings)");
      }
    }
    if (old.int_attr("steps_done") < step)
      old.fail("the log ends before the checkpoint of step " + std::to_string(step));
    command_lines = old.strings_attr("command_lines");
    for (const char* c : kColumns)
      rows.push_back(step > 0 ? old.dataset(c).read_range(0, step) : std::vector<double>{});
  }
  command_lines.push_back(command_line);
  return TrainLog(
      create_log(dir, total_steps, settings, command_lines, step > 0 ? rows : decltype(rows){}));
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
    m.columns[c].write_range(m.written, col.data(), n);
  }
  m.written += n;
  m.pending.clear();
  m.file.set_attr("steps_done", h5::Value{m.written});
  m.file.flush();
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

}  // namespace hess::cli
