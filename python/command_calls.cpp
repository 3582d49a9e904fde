#include "python/command_calls.h"

#include <pybind11/stl.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

#include "python/data_arrays.h"
#include "python/interrupt_observer.h"
#include "python/python_errors.h"
#include "python/record_to_python.h"
#include "runs/curvature_target.h"
#include "tools/commands.h"

namespace hess::python {

namespace py = pybind11;

namespace {

const cli::Command& callable(const std::string& name) {
  for (const cli::Command& c : cli::commands()) {
    if (c.name == name && c.prepare) return c;
  }
  throw std::invalid_argument("'" + name + "' is not a command the module calls");
}

// A folder of its own under $TMPDIR for a result nobody asked to keep, removed with it.
class ScratchFolder {
 public:
  ScratchFolder() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/hessian-engine-XXXXXX";
    if (!::mkdtemp(pattern.data()))
      throw std::runtime_error("cannot make a temporary folder under " + pattern);
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The input and target flags a product takes.
struct ProductFlags {
  cli::Flags flags{"hvp", "", ""};
  runs::Inputs inputs;
  runs::TargetSpec target;
  ProductFlags() {
    cli::add_inputs(flags, inputs);
    cli::add_target(flags, target);
  }
};

// Opens the workspace the input flags in `args` name (in-memory `arrays` when given) and calls
// fn(workspace, target spec) with the GIL released; caller mistakes name the flags (Flags::call).
template <class Fn>
void on_workspace(const std::vector<std::string>& args, std::shared_ptr<const Dataset> arrays,
                  Fn&& fn) {
  ProductFlags p;
  p.flags.parse(args);
  p.inputs.arrays = std::move(arrays);
  InterruptObserver observer;
  py::gil_scoped_release free;
  p.flags.call([&] {
    auto ws = runs::open_workspace(p.inputs, observer);
    fn(*ws, p.target);
    return 0;
  });
}

}  // namespace

py::tuple run_command(const std::string& name, const std::vector<std::string>& args,
                      std::shared_ptr<const Dataset> arrays, std::optional<std::string> out) {
  cli::PreparedCommand c;
  callable(name).prepare(c);
  c.flags().parse(args);
  c.after_parse();
  if (arrays) {
    if (!c.inputs()) throw std::invalid_argument(name + " takes no data arrays");
    c.inputs()->arrays = std::move(arrays);
  }
  std::optional<ScratchFolder> scratch;
  if (c.output()) {
    if (out) {
      c.output()->out = *out;
    } else {
      scratch.emplace();
      c.output()->out = scratch->path() + "/results.h5";
    }
  }
  InterruptObserver observer;
  Record record;
  {
    py::gil_scoped_release free;
    record = c.run(observer);
  }
  if (observer.interrupted()) throw Interrupted();
  // `command` first, as the command line's JSON has it (docs/cli.md, "JSON").
  py::dict summary;
  summary["command"] = name;
  for (const auto& [key, value] : record_to_dict(record)) summary[key] = value;
  // The group the run committed, read back before a scratch folder goes: the arrays a summary
  // leaves out (a landscape's surface).
  py::object group = c.output() ? read_result_group(c.output()->out, name) : py::none();
  if (scratch && summary.contains("out")) summary["out"] = py::none();
  return py::make_tuple(summary, group, py::cast(observer.warnings()));
}

std::vector<std::string> command_flags(const std::string& name) {
  cli::PreparedCommand c;
  callable(name).prepare(c);
  return c.flags().options();
}

std::string command_help(const std::string& name) {
  cli::PreparedCommand c;
  callable(name).prepare(c);
  return c.flags().help_text();
}

std::vector<std::string> hvp_flags() {
  ProductFlags p;
  return p.flags.options();
}

py::array_t<double> hvp(const std::vector<std::string>& args, std::shared_ptr<const Dataset> arrays,
                        const py::array& V) {
  if (V.ndim() < 1 || V.ndim() > 2)
    throw std::invalid_argument("V has " + std::to_string(V.ndim()) +
                                " dimensions: give P entries or a P x k matrix");
  const auto v = py::array_t<double, py::array::f_style | py::array::forcecast>::ensure(V);
  if (!v) throw std::invalid_argument("V is not an array of real numbers");
  const int64_t rows = v.shape(0), k = v.ndim() == 2 ? v.shape(1) : 1;
  const Eigen::MatrixXd X = Eigen::Map<const Eigen::MatrixXd>(v.data(), rows, k);
  Eigen::MatrixXd Y;
  on_workspace(args, std::move(arrays), [&](runs::Workspace& ws, const runs::TargetSpec& spec) {
    const runs::CurvatureTarget target(ws, spec);
    if (target.op().rows() != rows) {
      throw std::invalid_argument("V has " + std::to_string(rows) + " rows, the model has " +
                                  std::to_string(target.op().rows()) +
                                  (spec.layers.empty() ? " parameters" : " selected parameters"));
    }
    target.op().apply(X, Y);
  });
  std::vector<py::ssize_t> shape{rows};
  if (V.ndim() == 2) shape.push_back(k);
  py::array_t<double, py::array::f_style> out(shape);
  std::copy(Y.data(), Y.data() + Y.size(), out.mutable_data());
  return out;
}

py::tuple gradient(const std::vector<std::string>& args, std::shared_ptr<const Dataset> arrays,
                   const std::optional<py::array>& theta) {
  std::vector<double> at;
  if (theta) {
    const auto t = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(*theta);
    if (!t || t.ndim() != 1) throw std::invalid_argument("theta must be a vector of P reals");
    at.assign(t.data(), t.data() + t.size());
  }
  double loss = 0;
  std::vector<double> g;
  on_workspace(args, std::move(arrays), [&](runs::Workspace& ws, const runs::TargetSpec&) {
    Objective& L = ws.objective();
    if (theta) {
      if (static_cast<int64_t>(at.size()) != L.num_params()) {
        throw std::invalid_argument("theta has " + std::to_string(at.size()) +
                                    " entries, the model has " + std::to_string(L.num_params()) +
                                    " parameters");
      }
      L.set_parameters(at);
    }
    g.resize(static_cast<size_t>(L.num_params()));
    loss = L.gradient(g.data()).loss;
  });
  return py::make_tuple(loss, numpy_copy(g));
}

py::dict model_info(const std::vector<std::string>& args) {
  cli::Flags f("model", "", "");
  runs::Inputs in;
  cli::add_model_inputs(f, in);
  f.parse(args);
  InterruptObserver observer;
  py::dict d;
  f.call([&] {
    auto ws = runs::open_workspace(in, observer, runs::Need::Model);
    std::vector<std::string> names;
    std::vector<int64_t> sizes;
    for (const Block& b : ws->model().graph.blocks) {
      names.push_back(b.name);
      sizes.push_back(b.size());
    }
    d["label"] = ws->model_label();
    d["parameters"] = static_cast<int64_t>(ws->model().theta.size());
    d["blocks"] = names;
    d["block_sizes"] = sizes;
    d["theta"] = numpy_copy(ws->model().theta);
    return 0;
  });
  d["warnings"] = observer.warnings();
  return d;
}

}  // namespace hess::python
