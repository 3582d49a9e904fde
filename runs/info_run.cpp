#include "runs/info_run.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "analyzers/stopwatch.h"
#include "engine/number_format.h"
#include "engine/op_kind.h"
#include "engine/random.h"
#include "runs/output.h"

namespace hess::runs {

namespace {

constexpr int kLossDigits = 8;
constexpr int kAccuracyDigits = 5;
constexpr double kPercent = 100.0;
constexpr int kSecondsDigits = 4;
constexpr int kRatioDigits = 3;

// Products of measure(): the 8-column warm-up, one HVP and the timed 8-column one.
constexpr int64_t kTimingHvps = 2 * kTimingColumns + 1;

struct Timing {
  double loss = 0, grad = 0, hvp = 0, hvp8_per_vector = 0;
};

template <class Fn>
double seconds_of(Fn&& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Timing measure(Objective& obj, uint64_t seed) {
  const int64_t P = obj.num_params();
  Rng rng(seed);
  std::vector<double> g(P), V(P * kTimingColumns), HV(P * kTimingColumns);
  for (double& v : V) v = rng.normal();
  obj.value();  // warm-up: buffers allocated, caches filled
  obj.curvature(V.data(), kTimingColumns, HV.data(), Curvature::Hessian);
  Timing t;
  t.loss = seconds_of([&] { obj.value(); });
  t.grad = seconds_of([&] { obj.gradient(g.data()); });
  t.hvp = seconds_of([&] { obj.curvature(V.data(), 1, HV.data(), Curvature::Hessian); });
  t.hvp8_per_vector =
      seconds_of([&] { obj.curvature(V.data(), kTimingColumns, HV.data(), Curvature::Hessian); }) /
      kTimingColumns;
  return t;
}

std::string op_summary(const Graph& g) {
  std::map<std::string, int> counts;
  std::vector<std::string> order;
  for (const Node& n : g.nodes) {
    const std::string name(name_of(n.op));
    if (counts[name]++ == 0) order.push_back(name);
  }
  std::string s;
  for (const std::string& name : order) {
    if (!s.empty()) s += ", ";
    s += name + (counts[name] > 1 ? " x" + std::to_string(counts[name]) : "");
  }
  return s;
}

// The number of classes of a classifier (its output width), 0 for other models.
int64_t model_classes(const Graph& g) {
  if (g.label_kind != LabelKind::Class) return 0;
  const Shape out = infer_shapes(g, 1)[g.output];
  return out.size() == 2 ? out[1] : 0;
}

std::string outputs_text(const Graph& g) {
  if (g.label_kind == LabelKind::Target)
    return "the model predicts " + std::to_string(g.target_dim) + " targets";
  return "labels within the model's " + std::to_string(model_classes(g)) + " classes";
}

void describe_data(Record& r, const std::string& label, bool from_file, const Dataset& d,
                   const DataProvenance& provenance) {
  r.add("data", label).only(kJson);
  r.add("data_samples", d.size()).only(kJson);
  r.add("sample_shape", std::vector<int64_t>(d.sample_shape.begin(), d.sample_shape.end()))
      .only(kJson);
  std::string labels;
  if (d.has_labels()) {
    const int64_t lo = *std::min_element(d.labels.begin(), d.labels.end());
    const int64_t hi = *std::max_element(d.labels.begin(), d.labels.end());
    r.add("label_min", lo).only(kJson);
    r.add("label_max", hi).only(kJson);
    labels = "class labels " + std::to_string(lo) + ".." + std::to_string(hi);
  } else {
    r.add("target_dim", d.target_dim).only(kJson);
    labels = std::to_string(d.target_dim) + " real targets per sample";
  }
  r.add("data_text", label + ": " + grouped(d.size()) + " samples of " + to_string(d.sample_shape) +
                         ", " + labels)
      .only(0)
      .head("data");
  if (!from_file) return;
  r.add("source", provenance.source).only(kJson);
  r.add("preprocessing", provenance.preprocessing).only(kJson);
  if (!provenance.source.empty()) r.add("source_text", provenance.source).only(0).head("source");
  if (!provenance.preprocessing.empty())
    r.add("prepared_text", provenance.preprocessing).only(0).head("prepared");
}

Record describe_model(const Workspace& ws) {
  const Graph& g = ws.model().graph;
  Record r;
  r.add("model", ws.model_label()).only(kJson).head("model");
  r.add("parameters", g.num_params()).only(kJson);
  r.add("parameters_text",
        grouped(g.num_params()) + " in " + std::to_string(g.blocks.size()) + " blocks")
      .only(0)
      .head("parameters");
  std::vector<std::string> names, roles;
  std::vector<std::vector<int64_t>> shapes;
  std::vector<int64_t> sizes;
  for (const Block& b : g.blocks) {
    names.push_back(b.name);
    shapes.emplace_back(b.shape.begin(), b.shape.end());
    sizes.push_back(b.size());
    roles.emplace_back(name_of(b.role));
  }
  Rows& blocks = r.rows("blocks").only(kJson | kText);
  blocks.column("name", "", "block", names)
      .column("shape", "", "shape", shapes)
      .column("size", "", "size", sizes)
      .column("role", "", "role", roles);
  r.add("ops", op_summary(g)).only(kJson).head("ops");
  r.add("loss_op", name_of(g.nodes[g.loss].op)).only(kJson);
  if (g.label_kind == LabelKind::Class) r.add("classes", model_classes(g)).only(kJson);
  return r;
}

}  // namespace

Record info(const InfoRun& run, Observer& observer) {
  if (run.inputs.model.empty() && run.inputs.arch.empty() && !run.inputs.data.empty()) {
    const Stopwatch clock;
    const DataFile file = read_data_file(run.inputs.data);
    Record r;
    describe_data(r, run.inputs.data, true, file.data, file.provenance);
    r.add("seconds", clock.seconds()).only(kJson);
    return r;
  }
  const bool need_data = run.timing || !run.inputs.data.empty();
  const Stopwatch clock;
  auto ws = open_workspace(run.inputs, observer, need_data ? Need::ModelAndData : Need::Model);
  Record r = describe_model(*ws);
  const Output no_file{"", ""};  // info writes no result file
  if (!need_data) {
    describe_run(r, *ws, no_file, 0, clock.seconds());
    return r;
  }
  const Graph& g = ws->model().graph;
  const Evaluation ev = ws->objective().value();
  describe_data(r, ws->data_label(), !ws->data_path().empty(), ws->data(), ws->provenance());
  r.add("samples", ws->objective().num_samples()).only(kJson);
  r.add("fits_text", "samples match the input " + to_string(g.input_shape) + "; " +
                         outputs_text(g) + "; " + grouped(ws->objective().num_samples()) +
                         " samples in the analysis set")
      .only(0)
      .head("fits");
  r.add("loss", ev.loss).only(kJson);
  r.add("accuracy", ev.accuracy).only(kJson);
  r.add("loss_text", significant(ev.loss, kLossDigits)).only(0).head("loss");
  if (g.label_kind == LabelKind::Class)
    r.add("accuracy_text", significant(kPercent * ev.accuracy, kAccuracyDigits) + " %")
        .only(0)
        .head("accuracy");
  if (!run.timing) {
    describe_run(r, *ws, no_file, 0, clock.seconds());
    return r;
  }
  observer.progress(0, 0, "timing passes");
  const Timing t = measure(ws->objective(), run.inputs.seed);
  observer.finished();
  r.add("batch_size", ws->objective_options().batch_size).only(kJson);
  r.add("loss_seconds", t.loss).only(kJson);
  r.add("grad_seconds", t.grad).only(kJson);
  r.add("hvp_seconds", t.hvp).only(kJson);
  r.add("hvp8_seconds_per_vector", t.hvp8_per_vector).only(kJson);
  const int64_t batch = ws->objective_options().batch_size;
  const int64_t compute = ws->objective().compute_batch_size();
  r.add("timing_text",
        std::string(name_of(ws->inputs().precision)) + ", " +
            std::to_string(ws->objective_options().threads) + " threads, batch " +
            std::to_string(batch) +
            (compute < batch ? " (compute batches of " + std::to_string(compute) + ")" : ""))
      .only(0)
      .head("timing");
  describe_run(r, *ws, no_file, kTimingHvps, clock.seconds());
  Rows& tt = r.rows("timing").only(kText);
  tt.column("", "", "pass",
            std::vector<std::string>{"loss", "gradient", "hvp", "hvp (8 columns, per column)"});
  tt.column("", "", "seconds", std::vector<double>{t.loss, t.grad, t.hvp, t.hvp8_per_vector},
            kSecondsDigits);
  tt.column("", "", "x loss",
            std::vector<double>{1.0, t.grad / t.loss, t.hvp / t.loss, t.hvp8_per_vector / t.loss},
            kRatioDigits);
  return r;
}

}  // namespace hess::runs
