// Figures of an /eigen_per_layer group: each layer's top eigenvalues (of its diagonal block H_ll)
// side by side, one marker series per rank λ1..λk.
#include <algorithm>
#include <cmath>

#include "runs/plot_groups.h"

namespace hess::runs {

GroupFigures plot_eigen_per_layer(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "eigen_per_layer";
  const std::vector<std::string> names = g.strings("layer_names");
  const ResultArray ev = g.array("eigenvalues");  // [layers, k], NaN past a small layer's size
  const size_t k = ev.shape.size() == 2 ? static_cast<size_t>(ev.shape[1]) : 0;
  plot::Figure f;
  f.title = "Top eigenvalues of each layer's block";
  f.x.label = "layer (its diagonal block H_ll)";
  f.y.label = "eigenvalue";
  f.x.categories = names;
  for (size_t j = 0; j < k; ++j) {
    std::vector<double> x, y;
    for (size_t i = 0; i < names.size(); ++i) {
      const double v = ev.values[i * k + j];
      if (!std::isfinite(v)) continue;
      x.push_back(static_cast<double>(i));
      y.push_back(v);
    }
    f.series.push_back(plot::make_series(plot::Mark::Markers, x, y, "λ" + std::to_string(j + 1),
                                         static_cast<int>(j)));
  }
  std::string reading =
      "The largest eigenvalues of each layer's own block of the Hessian: how "
      "sharp the loss is along that layer's weights alone.";
  if (k > 0 && !names.empty()) {
    size_t top = 0, low = 0;
    for (size_t i = 1; i < names.size(); ++i) {
      if (ev.values[i * k] > ev.values[top * k]) top = i;
      if (ev.values[i * k] < ev.values[low * k]) low = i;
    }
    reading += " Layer " + names[top] +
               " is the sharpest (λ1 = " + figure_number(ev.values[top * k], 6) + ")";
    if (low != top && ev.values[low * k] > 0)
      reading += ", " + figure_number(ev.values[top * k] / ev.values[low * k], 3) + "× layer " +
                 names[low] + "'s (" + figure_number(ev.values[low * k], 6) + ")";
    reading += ".";
  }
  out.figures.push_back(figure_doc("eigen_per_layer", "layers", f, reading));
  for (size_t i = 0; i < names.size() && k > 0; ++i)
    out.summary.push_back({names[i] + " λ1", figure_number(ev.values[i * k], 8), ""});
  out.metadata = group_metadata(g);
  return out;
}

}  // namespace hess::runs
