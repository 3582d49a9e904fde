#include "io/run_directory.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>

#include "io/atomic_output.h"
#include "io/file_error.h"
#include "io/hdf5_file.h"
#include "io/model_file.h"

namespace hess {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStateFormat = "hessian-train-state";
constexpr int64_t kStateFormatVersion = 1;
constexpr int kStepDigits = 9;
constexpr std::string_view kModelSuffix = ".h5";
constexpr const char* kWarmGroup = "sharpness_warm_start";

void check_format(const h5::Object& root, const char* format) {
  if (!root.has_attr("format") || root.string_attr("format") != format) {
    root.fail(std::string("not a ") + format + " file");
  }
  const int64_t v = root.int_attr("version");
  if (v != kStateFormatVersion) {
    root.fail("unknown " + std::string(format) + " version " + std::to_string(v) +
              " (this engine reads " + std::to_string(kStateFormatVersion) + ")");
  }
}

}  // namespace

std::string log_path(const std::string& dir) {
  return (fs::path(dir) / "train_log.h5").string();
}

std::string checkpoints_dir(const std::string& dir) {
  return (fs::path(dir) / "checkpoints").string();
}

std::string checkpoint_path(const std::string& dir, int64_t step) {
  char name[32];
  std::snprintf(name, sizeof name, "step-%0*lld.h5", kStepDigits, static_cast<long long>(step));
  return (fs::path(checkpoints_dir(dir)) / name).string();
}

std::string state_path(const std::string& checkpoint_file) {
  return checkpoint_file.substr(0, checkpoint_file.size() - kModelSuffix.size()) +
         kOptimizerStateSuffix;
}

bool holds_run(const std::string& dir) {
  std::error_code ec;
  return fs::exists(log_path(dir), ec) || fs::exists(checkpoints_dir(dir), ec);
}

std::string save_checkpoint(const std::string& dir, const Model& model, const OptimizerState& state,
                            int64_t steps_per_epoch, uint64_t seed, const WarmStart& warm) {
  const std::string path = checkpoint_path(dir, state.step);
  // A process whose outputs are discarded (io/atomic_output.h) makes no folders either.
  if (discarded_outputs_folder().empty()) fs::create_directories(fs::path(path).parent_path());
  {
    AtomicOutput out(state_path(path), OutputKind::hdf5_file(kStateFormat));
    h5::File f = h5::File::create(out.partial_path());
    f.set_attr("format", h5::Value{std::string(kStateFormat)});
    f.set_attr("version", h5::Value{kStateFormatVersion});
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
    if (warm.k > 0) {
      h5::Group w = f.create_group(kWarmGroup);
      w.set_attr("step", h5::Value{warm.step});
      const int64_t P = static_cast<int64_t>(warm.vectors.size()) / warm.k;
      w.create_dataset<double>("vectors", {warm.k, P}, warm.vectors.data());
    }
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

bool has_optimizer_state(const Checkpoint& c) {
  std::error_code ec;
  return c.group == "/" && fs::exists(state_path(c.file), ec);
}

std::vector<Checkpoint> resumable_checkpoints(const std::string& dir) {
  std::vector<Checkpoint> found;
  std::error_code ec;
  const std::regex name_re("step-([0-9]{" + std::to_string(kStepDigits) + "})\\.h5");
  for (const fs::directory_entry& e : fs::directory_iterator(checkpoints_dir(dir), ec)) {
    const std::string name = e.path().filename().string();
    std::smatch m;
    if (!std::regex_match(name, m, name_re)) continue;
    Checkpoint c{e.path().string(), "/", std::stoll(m[1].str())};
    if (has_optimizer_state(c)) found.push_back(std::move(c));
  }
  std::sort(found.begin(), found.end(),
            [](const Checkpoint& a, const Checkpoint& b) { return a.step < b.step; });
  return found;
}

OptimizerState read_optimizer_state(const Checkpoint& c, int64_t params) {
  OptimizerState s;
  h5::File f = h5::File::open_read(state_path(c.file));
  check_format(f, kStateFormat);
  s.step = f.int_attr("step");
  const h5::Group b = f.group("buffers");
  for (const std::string& name : b.strings_attr("order")) {
    const h5::Dataset d = b.dataset(name);
    std::vector<double> values = d.read<double>();
    if (static_cast<int64_t>(values.size()) != params) {
      d.fail("buffer '" + name + "' has " + std::to_string(values.size()) + " entries, the model " +
             std::to_string(params));
    }
    s.buffers.emplace_back(name, std::move(values));
  }
  return s;
}

WarmStart read_warm_start(const Checkpoint& c, int64_t params) {
  WarmStart w;
  h5::File f = h5::File::open_read(state_path(c.file));
  check_format(f, kStateFormat);
  if (!f.has_group(kWarmGroup)) return w;
  const h5::Group g = f.group(kWarmGroup);
  const h5::Dataset d = g.dataset("vectors");
  const std::vector<int64_t> shape = d.shape();
  if (shape.size() != 2 || shape[1] != params || shape[0] < 1) {
    d.fail("warm-start vectors must be k x " + std::to_string(params));
  }
  w.step = g.int_attr("step");
  w.k = shape[0];
  w.vectors = d.read<double>();
  return w;
}

}  // namespace hess
