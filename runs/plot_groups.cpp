#include "runs/plot_groups.h"

#include <algorithm>

#include "io/result_file.h"

namespace hess::runs {

namespace {

constexpr const char* kTrainLogFormat = "hessian-train-log";

}  // namespace

const std::vector<PlotterEntry>& group_plotters() {
  static const std::vector<PlotterEntry> table = {
      {kResultFormat, "eigen", "eigen", plot_eigen},
      {kResultFormat, "eigen_per_layer", "eigen_per_layer", plot_eigen_per_layer},
      {kResultFormat, "density", "density", plot_density},
      {kResultFormat, "trace", "trace", plot_trace},
      {kResultFormat, "diag", "diag", plot_diag},
      {kResultFormat, "landscape", "landscape", plot_landscape},
      {kResultFormat, "roughness", "roughness", plot_roughness},
      {kResultFormat, "sharpness", "sharpness", plot_sharpness},
      {kResultFormat, "eos", "eos", plot_eos},
      {kResultFormat, "sensitivity", "sensitivity", plot_sensitivity},
      {kResultFormat, "allocation", "sensitivity", plot_allocation},
      {kResultFormat, "pareto", "sensitivity", plot_pareto},
      {kTrainLogFormat, "", "train", plot_train_log},
      {kTrainLogFormat, "sharpness", "eos", plot_eos},
  };
  return table;
}

std::string plottable_names() {
  std::string out;
  std::vector<std::string> seen;
  for (const PlotterEntry& e : group_plotters()) {
    if (std::find(seen.begin(), seen.end(), e.name) != seen.end()) continue;
    seen.push_back(e.name);
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

}  // namespace hess::runs
