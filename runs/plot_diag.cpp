// Figures of a /diag group: the per-layer sums of the diagonal as bars with standard errors, and a
// histogram of each layer's diagonal entries.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "plot/histogram.h"
#include "runs/plot_groups.h"

namespace hess::runs {

namespace {

constexpr size_t kMaxHistograms = 6;  // layers beyond these get no histogram (named in a note)
constexpr int kMinBins = 5, kMaxBins = 40;

}  // namespace

GroupFigures plot_diag(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "diag";
  const std::vector<std::string> names = g.strings("layer_names");
  const std::vector<int64_t> sizes = g.ints("layer_sizes");
  const std::vector<double> sum = g.values("layer_sum"), se = g.values_or_empty("layer_sum_stderr");
  const std::vector<double> diag = g.values("diagonal");

  plot::Figure f;
  f.title = "Diagonal summed per layer";
  f.y.label = "sum of diagonal entries";
  add_layer_bars(f, out, names, sum, se, "diag sum");
  out.figures.push_back(figure_doc(
      "diag", "layers", f,
      "Each layer's sum of the curvature's diagonal (Hutchinson's estimate, ± one standard "
      "error): an estimate of the layer's trace; larger means the loss reacts more to that "
      "layer's weights."));

  const int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  if (total == static_cast<int64_t>(diag.size())) {
    size_t at = 0;
    for (size_t l = 0; l < sizes.size() && l < names.size(); ++l) {
      const size_t n = static_cast<size_t>(sizes[l]);
      if (l < kMaxHistograms && n > 0) {
        const std::vector<double> v(diag.begin() + static_cast<std::ptrdiff_t>(at),
                                    diag.begin() + static_cast<std::ptrdiff_t>(at + n));
        plot::Figure h;
        h.title = "Diagonal entries of " + names[l];
        h.x.label = "diagonal entry H_ii";
        h.y.label = "parameters";
        h.series.push_back(plot::histogram(v, kMinBins, kMaxBins));
        h.refs.push_back({true, 0, "0"});
        out.figures.push_back(figure_doc(
            "diag", "hist-" + std::to_string(l), h,
            "How the diagonal entries of layer " + names[l] + " (" + std::to_string(n) +
                " parameters) spread: mass far from zero marks weights the loss is sensitive "
                "to; entries below zero are directions of negative curvature (or noise of the "
                "estimate)."));
      }
      at += n;
    }
    if (sizes.size() > kMaxHistograms)
      out.figures.back().reading += " Histograms are drawn for the first " +
                                    std::to_string(kMaxHistograms) + " of " +
                                    std::to_string(sizes.size()) + " layers.";
  }
  out.metadata = group_metadata(g);
  return out;
}

}  // namespace hess::runs
