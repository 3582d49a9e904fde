#include "tools/session.h"

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "engine/arch.h"
#include "engine/blas_threads.h"
#include "engine/random.h"
#include "io/model_file.h"
#include "tools/cli_error.h"

#if defined(HESS_WITH_ONNX) && __has_include("io/onnx/onnx_import.h")
#include "io/onnx/onnx_import.h"
#define HESS_ONNX_IMPORT 1
#endif

namespace hess::cli {

std::vector<int64_t> analysis_rows(int64_t available, int64_t samples, uint64_t seed) {
  if (samples < 0)
    throw UsageError("--samples must be non-negative, got " + std::to_string(samples));
  if (samples == 0 || samples >= available) {
    std::vector<int64_t> all(available);
    for (int64_t i = 0; i < available; ++i) all[i] = i;
    return all;
  }
  std::vector<int64_t> rows = random_subset(available, samples, seed);
  std::sort(rows.begin(), rows.end());
  return rows;
}

Model open_model(const CommonOptions& o, std::string* label, const Shape& sample_shape) {
  if (!o.model.empty() && !o.arch.empty()) throw UsageError("give --model or --arch, not both");
  if (o.model.empty() && o.arch.empty())
    throw UsageError("no model: give --model FILE or --arch SPEC");
  if (!o.arch.empty()) {
    ArchOptions a;
    a.loss = as_usage([&] { return parse_enum<LossKind>(o.loss); });
    a.seed = o.seed;
    a.sample_shape = sample_shape;
    *label = "arch:" + o.arch;
    return as_usage([&] { return build_arch(o.arch, a); });
  }
  *label = o.model;
  const std::string onnx = ".onnx";
  if (o.model.size() >= onnx.size() &&
      o.model.compare(o.model.size() - onnx.size(), onnx.size(), onnx) == 0) {
    // A graph input with known extents stands alone (check_data_fits then compares it with the
    // data); the data's sample shape fills symbolic extents only when the import needs it.
    if (sample_shape.empty()) return open_onnx(o.model, o.loss);
    try {
      return open_onnx(o.model, o.loss);
    } catch (const std::runtime_error&) {
      return open_onnx(o.model, o.loss, sample_shape);
    }
  }
  return read_model(o.model);
}

Model open_onnx(const std::string& path, const std::string& loss, const Shape& sample_shape) {
#ifdef HESS_ONNX_IMPORT
  OnnxImportOptions opt;
  opt.loss = as_usage([&] { return parse_enum<LossKind>(loss); });
  opt.sample_shape = sample_shape;
  return import_onnx(path, opt);
#else
  (void)loss;
  (void)sample_shape;
  throw std::runtime_error(path + ": ONNX import is not available in this build");
#endif
}

bool onnx_available() {
#ifdef HESS_ONNX_IMPORT
  return true;
#else
  return false;
#endif
}

namespace {
Dataset synthetic_data(const Graph& g, int64_t n, uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.sample_shape = g.input_shape;
  d.x.resize(n * numel(g.input_shape));
  for (float& v : d.x) v = static_cast<float>(rng.normal());
  const std::vector<Shape> shapes = infer_shapes(g, 1);
  const int64_t outputs = numel(shapes[g.output]);
  if (g.label_kind == LabelKind::Class) {
    d.labels.resize(n);
    for (int64_t& l : d.labels) l = rng.below(outputs);
  } else {
    d.target_dim = g.target_dim;
    d.targets.resize(n * g.target_dim);
    for (float& t : d.targets) t = static_cast<float>(rng.normal());
  }
  return d;
}

// open_session's work; `given` is the model when the caller loaded it, else null (--model/--arch).
std::unique_ptr<Session> open_session_with(const CommonOptions& o, bool need_data, Model* given,
                                           const std::string& given_label,
                                           const std::string& given_path) {
  auto session = std::make_unique<Session>();
  Session& s = *session;
  s.precision = as_usage([&] { return parse_enum<Precision>(o.precision); });
  s.objective_options.batch_size = o.batch_size;
  if (o.threads < 0)
    throw UsageError("--threads must be non-negative, got " + std::to_string(o.threads));
  s.cores = o.threads > 0 ? o.threads
                          : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  s.objective_options.threads = s.cores;
  s.objective_options.weight_decay = o.weight_decay;
  as_usage([&] { s.objective_options.validate(); });

  if (!o.data.empty()) {
    DataFile file = read_data_file(o.data);
    s.data = std::move(file.data);
    s.data_provenance = std::move(file.provenance);
    s.data_label = s.data_path = o.data;
  }
  if (given) {
    s.model = std::move(*given);
    s.model_label = given_label;
    s.model_path = given_path;
  } else {
    s.model = open_model(o, &s.model_label, s.data.sample_shape);
    if (o.arch.empty()) s.model_path = o.model;
  }
  if (!need_data) return session;
  if (o.data.empty()) {
    if (o.arch.empty()) throw UsageError("no data: give --data FILE");
    s.data_label = "synthetic";
    s.data = synthetic_data(s.model.graph, o.samples > 0 ? o.samples : kSyntheticSamples, o.seed);
  }
  try {
    check_data_fits(s.model.graph, s.data);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(s.data_label + ": does not fit the model " + s.model_label + ": " +
                             e.what());
  }
  s.rows = analysis_rows(s.data.size(), o.samples, o.seed);
  // One level of parallelism at a time (docs/algorithms.md, "Performance and threads").
  const int64_t batches =
      (static_cast<int64_t>(s.rows.size()) + s.objective_options.batch_size - 1) /
      s.objective_options.batch_size;
  const ThreadPlan plan = plan_threads(s.cores, std::max<int64_t>(1, batches));
  s.objective_options.threads = plan.batch_threads;
  set_blas_threads(plan.blas_threads);
  try {
    s.objective = make_objective(s.model.graph, s.data, s.rows, s.objective_options, s.precision);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(s.data_label + ": " + e.what());
  }
  s.objective->set_parameters(s.model.theta);
  return session;
}
}  // namespace

std::unique_ptr<Session> open_session(const CommonOptions& o, bool need_data) {
  return open_session_with(o, need_data, nullptr, "", "");
}

std::unique_ptr<Session> open_session(const CommonOptions& o, Model model, std::string label,
                                      std::string path) {
  return open_session_with(o, true, &model, label, path);
}

}  // namespace hess::cli
