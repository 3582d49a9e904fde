#include "runs/plot_groups.h"

#include "io/result_file.h"

namespace hess::runs {

namespace {

constexpr const char* kTrainLogFormat = "hessian-train-log";

}  // namespace

const std::vector<PlotterEntry>& group_plotters() {
  static const std::vector<PlotterEntry> table = {
      {kResultFormat, "eigen", "eigen", plot_eigen},
      {kResultFormat, "density", "density", plot_density},
      {kResultFormat, "trace", "trace", plot_trace},
      {kResultFormat, "diag", "diag", plot_diag},
      {kResultFormat, "landscape", "landscape", plot_landscape},
      {kResultFormat, "roughness", "roughness", plot_roughness},
      {kResultFormat, "sharpness", "sharpness", plot_sharpness},
      {kTrainLogFormat, "", "train", plot_train_log},
  };
  return table;
}

std::string plottable_names() {
  std::string out;
  for (const PlotterEntry& e : group_plotters()) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

}  // namespace hess::runs
