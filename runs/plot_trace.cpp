// Figures of a /trace group: the per-layer traces as bars with their standard errors.
#include <algorithm>
#include <cmath>

#include "runs/plot_groups.h"

namespace hess::runs {

GroupFigures plot_trace(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "trace";
  const std::vector<std::string> names = g.strings("layer_names");
  const std::vector<double> tr = g.values("layer_traces"), se = g.values_or_empty("layer_stderr");
  const double total = real_or_nan(g, "trace"), total_se = real_or_nan(g, "stderr");
  plot::Figure f;
  f.title = "Per-layer trace";
  f.y.label = "trace of the layer's block";
  f.notes = {"total trace " + figure_number(total) + " ± " + figure_number(total_se, 2) + " (" +
             (g.h5().has_attr("method") ? g.h5().string_attr("method") : std::string("?")) + ")"};
  std::string reading =
      "The trace (sum of eigenvalues) of each layer's diagonal block of the "
      "curvature, with ± one standard error.";
  double sum = 0;
  for (double t : tr) sum += t;
  if (!tr.empty() && sum > 0) {
    const size_t top = static_cast<size_t>(std::max_element(tr.begin(), tr.end()) - tr.begin());
    reading += " Layer " + names[top] + " holds " + figure_number(100 * tr[top] / sum, 3) +
               " % of the summed layer traces: the loss is most sensitive to its weights on "
               "average (a candidate for higher precision when quantizing).";
  }
  out.summary.push_back({"trace", figure_number(total), "± " + figure_number(total_se, 2)});
  add_layer_bars(f, out, names, tr, se, "trace");
  out.figures.push_back(figure_doc("trace", "layers", f, reading));
  out.metadata = group_metadata(g);
  return out;
}

}  // namespace hess::runs
