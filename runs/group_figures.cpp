#include "runs/group_figures.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "engine/number_format.h"
#include "plot/render.h"

namespace hess::runs {

namespace {

// The word after `flag` in a command line, "" when absent.
std::string flag_value(const std::string& command_line, const std::string& flag) {
  std::istringstream words(command_line);
  std::string w, prev;
  while (words >> w) {
    if (prev == flag) return w;
    if (w.rfind(flag + "=", 0) == 0) return w.substr(flag.size() + 1);
    prev = w;
  }
  return "";
}

}  // namespace

FigureDoc figure_doc(const std::string& group, const std::string& name, const plot::Figure& fig,
                     std::string reading) {
  return {group + "-" + name, fig.title, plot::render_svg(fig), std::move(reading)};
}

std::vector<std::pair<std::string, std::string>> group_metadata(const ResultGroupView& g) {
  const ResultMetadata m = g.metadata();
  std::string model = flag_value(m.command_line, "--model");
  if (model.empty() && !flag_value(m.command_line, "--arch").empty())
    model = "--arch " + flag_value(m.command_line, "--arch");
  std::string data = flag_value(m.command_line, "--data");
  if (model.empty() && data.empty() && m.command_line.rfind("hessian report", 0) == 0) {
    model = "bundled sample (digits-mlp.h5)";
    data = "bundled sample (digits.h5)";
  }
  std::vector<std::pair<std::string, std::string>> out = {
      {"command", m.command_line},
      {"model", model.empty() ? "(see command)" : model},
      {"model sha256", m.model_sha256.empty() ? "-" : m.model_sha256},
      {"data", data.empty() ? "(see command)" : data},
      {"data sha256", m.data_sha256.empty() ? "-" : m.data_sha256},
      {"precision", m.precision},
      {"seed", std::to_string(m.seed)},
      {"samples", grouped(m.samples)},
      {"threads", std::to_string(m.threads)},
      {"products (HVPs)", grouped(m.hvps)},
      {"seconds", significant(m.seconds, 3)},
      {"engine", m.engine_version},
  };
  for (const char* key : {"curvature", "status"})
    if (g.h5().has_attr(key)) out.push_back({key, g.h5().string_attr(key)});
  return out;
}

std::vector<double> values_without_missing(const ResultGroupView& g, const std::string& name) {
  std::vector<double> v = g.values(name);
  const h5::Dataset d = g.h5().dataset(name);
  if (d.has_attr("missing_value")) {
    const double marker = d.real_attr("missing_value");
    for (double& x : v)
      if (x == marker || (std::isnan(marker) && std::isnan(x)))
        x = std::numeric_limits<double>::quiet_NaN();
  }
  return v;
}

double real_or_nan(const ResultGroupView& g, const std::string& name) {
  return g.h5().has_attr(name) ? g.h5().real_attr(name) : std::numeric_limits<double>::quiet_NaN();
}

void add_loss_accuracy(plot::Figure& f, const std::vector<double>& x,
                       const std::vector<double>& loss, const std::vector<double>& accuracy,
                       const std::string& prefix) {
  f.y.label = "loss";
  f.series.push_back(plot::make_series(plot::Mark::Line, x, loss, prefix + "loss"));
  if (accuracy.size() != x.size()) return;
  plot::Series a = plot::make_series(plot::Mark::Line, x, accuracy, prefix + "accuracy (%)", 1);
  a.right = true;
  a.dashed = true;
  f.series.push_back(a);
  f.y2.label = "accuracy (%)";
}

void add_layer_bars(plot::Figure& f, GroupFigures& out, const std::vector<std::string>& names,
                    const std::vector<double>& values, const std::vector<double>& err,
                    const std::string& quantity) {
  f.x.categories = names;
  std::vector<double> idx;
  for (size_t i = 0; i < values.size(); ++i) idx.push_back(static_cast<double>(i));
  plot::Series bars = plot::make_series(plot::Mark::Bars, idx, values, quantity);
  bars.err = err;
  f.series.push_back(bars);
  for (size_t i = 0; i < values.size() && i < names.size(); ++i)
    out.summary.push_back({quantity + " " + names[i], figure_number(values[i]),
                           i < err.size() ? "± " + figure_number(err[i], 2) : ""});
}

std::string figure_number(double v, int digits) {
  return std::isnan(v) ? "n/a" : significant(v, digits);
}

}  // namespace hess::runs
