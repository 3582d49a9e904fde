// hessian info: what a model is made of, whether a data set fits it, and what its passes cost.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "engine/op_kind.h"
#include "engine/random.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/json.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

namespace {

constexpr int kTimingColumns = 8;

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

// Labels: smallest and largest; targets: none.
struct LabelRange {
  int64_t min = 0, max = -1;
};
LabelRange label_range(const Dataset& d) {
  LabelRange r;
  if (!d.has_labels()) return r;
  r.min = *std::min_element(d.labels.begin(), d.labels.end());
  r.max = *std::max_element(d.labels.begin(), d.labels.end());
  return r;
}

std::string labels_text(const Dataset& d) {
  if (!d.has_labels()) return std::to_string(d.target_dim) + " real targets per sample";
  const LabelRange r = label_range(d);
  return "class labels " + std::to_string(r.min) + ".." + std::to_string(r.max);
}

void set_data_json(Json& j, const Session& s) {
  const Dataset& d = s.data;
  j.set("data", s.data_label)
      .set("data_samples", d.size())
      .set("sample_shape", Json::array_of(d.sample_shape));
  if (d.has_labels()) {
    const LabelRange r = label_range(d);
    j.set("label_min", r.min).set("label_max", r.max);
  } else {
    j.set("target_dim", d.target_dim);
  }
  if (!s.data_path.empty()) {
    j.set("source", s.data_provenance.source).set("preprocessing", s.data_provenance.preprocessing);
  }
}

void print_data(const Session& s) {
  const Dataset& d = s.data;
  std::printf("data        %s: %s samples of %s, %s\n", s.data_label.c_str(),
              grouped(d.size()).c_str(), to_string(d.sample_shape).c_str(), labels_text(d).c_str());
  if (!s.data_provenance.source.empty())
    std::printf("source      %s\n", s.data_provenance.source.c_str());
  if (!s.data_provenance.preprocessing.empty()) {
    std::printf("prepared    %s\n", s.data_provenance.preprocessing.c_str());
  }
}

// `hessian info --data FILE` without a model: what the data file holds.
int data_only(const CommonOptions& o) {
  Session s;
  DataFile file = read_data_file(o.data);
  s.data = std::move(file.data);
  s.data_provenance = std::move(file.provenance);
  s.data_label = s.data_path = o.data;
  if (o.json) {
    Json j = Json::object();
    set_data_json(j, s);
    std::printf("%s\n", j.dump().c_str());
  } else {
    print_data(s);
  }
  return kExitOk;
}

}  // namespace

int run_info(const std::vector<std::string>& args) {
  CommonOptions o;
  bool timing = false;
  po::options_description desc("Options");
  add_model_flags(desc, o);
  add_data_flags(desc, o);
  desc.add_options()(
      "timing", po::bool_switch(&timing),
      "measure one loss pass, one gradient, one HVP and one 8-column HVP over the analysis set")(
      "json", po::bool_switch(&o.json), "print one JSON object on stdout");
  const char* examples =
      "  hessian info --arch mlp:784-256-256-10:tanh\n"
      "  hessian info --arch cnn:1x28x28-c16k3p1-pool2-c32k3p1-pool2-10 --timing --samples 1024\n"
      "  hessian info --model data/digits-mlp.h5 --data data/digits.h5 --json\n";
  if (!parse_args("info", args, desc,
                  "(--model FILE | --arch SPEC) [--data FILE] [--timing] [options]", examples)) {
    return kExitOk;
  }
  if (o.model.empty() && o.arch.empty() && !o.data.empty()) return data_only(o);
  const bool need_data = timing || !o.data.empty();
  auto session = open_session(o, need_data);
  const Graph& g = session->model.graph;

  Json j = Json::object();
  j.set("model", session->model_label);
  j.set("parameters", g.num_params());
  Json blocks = Json::array();
  Table table({"block", "shape", "size", "role"});
  for (const Block& b : g.blocks) {
    Json jb = Json::object();
    jb.set("name", b.name)
        .set("shape", Json::array_of(b.shape))
        .set("size", b.size())
        .set("role", std::string(name_of(b.role)));
    blocks.push(jb);
    table.row({b.name, to_string(b.shape), grouped(b.size()), std::string(name_of(b.role))});
  }
  j.set("blocks", blocks);
  j.set("ops", op_summary(g));
  j.set("loss_op", std::string(name_of(g.nodes[g.loss].op)));
  if (g.label_kind == LabelKind::Class) j.set("classes", model_classes(g));

  Evaluation ev;
  Timing t;
  if (need_data) {
    ev = session->objective->value();
    set_data_json(j, *session);
    j.set("samples", session->objective->num_samples());
    j.set("loss", ev.loss).set("accuracy", ev.accuracy);
    if (timing) {
      t = measure(*session->objective, o.seed);
      j.set("precision", std::string(name_of(session->precision)));
      j.set("threads", session->objective_options.threads)
          .set("batch_size", session->objective_options.batch_size);
      j.set("loss_seconds", t.loss).set("grad_seconds", t.grad).set("hvp_seconds", t.hvp);
      j.set("hvp8_seconds_per_vector", t.hvp8_per_vector);
    }
  }

  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  std::printf("model       %s\n", session->model_label.c_str());
  std::printf("parameters  %s in %zu blocks\n", grouped(g.num_params()).c_str(), g.blocks.size());
  std::printf("ops         %s\n\n%s", op_summary(g).c_str(), table.str().c_str());
  if (need_data) {
    std::printf("\n");
    print_data(*session);
    std::printf("fits        samples match the input %s; %s; %s samples in the analysis set\n",
                to_string(g.input_shape).c_str(), outputs_text(g).c_str(),
                grouped(session->objective->num_samples()).c_str());
    std::printf("loss        %s\n", num(ev.loss, 8).c_str());
    if (g.label_kind == LabelKind::Class)
      std::printf("accuracy    %s %%\n", num(100 * ev.accuracy, 5).c_str());
  }
  if (timing) {
    std::printf("\ntiming (%s, %d threads, batch %lld)\n",
                std::string(name_of(session->precision)).c_str(),
                session->objective_options.threads,
                static_cast<long long>(session->objective_options.batch_size));
    Table tt({"pass", "seconds", "x loss"});
    tt.row({"loss", num(t.loss, 4), "1"});
    tt.row({"gradient", num(t.grad, 4), num(t.grad / t.loss, 3)});
    tt.row({"hvp", num(t.hvp, 4), num(t.hvp / t.loss, 3)});
    tt.row({"hvp (8 columns, per column)", num(t.hvp8_per_vector, 4),
            num(t.hvp8_per_vector / t.loss, 3)});
    std::printf("%s", tt.str().c_str());
  }
  return kExitOk;
}

}  // namespace hess::cli
