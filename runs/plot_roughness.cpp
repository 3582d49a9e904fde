// Figures of a /roughness group: for one model the histogram of the profiles' total variations
// with μ, μ ± σ and RI; along a run, RI against the step.
#include <algorithm>
#include <cmath>

#include "plot/histogram.h"
#include "runs/plot_groups.h"

namespace hess::runs {

namespace {

constexpr int kMinBins = 5, kMaxBins = 30;

}  // namespace

GroupFigures plot_roughness(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "roughness";
  if (g.has_dataset("steps")) {  // --along
    const std::vector<double> steps = g.values("steps"), ri = g.values("ri");
    plot::Figure f;
    f.title = "Roughness index along the run";
    f.x.label = "step";
    f.y.label = "RI = σ/μ";
    f.series.push_back(plot::make_series(plot::Mark::LineMarkers, steps, ri, "RI"));
    out.figures.push_back(figure_doc(
        "roughness", "along", f,
        "The roughness index (spread of the total variation of random 1-D loss profiles over "
        "their mean) at each checkpoint: rising RI means the landscape around the weights gets "
        "more uneven as training goes."));
    for (size_t i = 0; i < steps.size() && i < ri.size(); ++i)
      out.summary.push_back({"RI at step " + figure_number(steps[i], 9), figure_number(ri[i]), ""});
    out.metadata = group_metadata(g);
    return out;
  }
  std::vector<double> tv;
  for (double v : g.values("tv"))
    if (std::isfinite(v)) tv.push_back(v);
  const double mu = real_or_nan(g, "tv_mean"), sigma = real_or_nan(g, "tv_std"),
               ri = real_or_nan(g, "ri");
  plot::Figure f;
  f.title = "Total variation of random loss profiles";
  f.x.label = "normalized total variation TV";
  f.y.label = "directions";
  f.notes = {"μ = " + figure_number(mu) + ", σ = " + figure_number(sigma) +
             ", RI = σ/μ = " + figure_number(ri)};
  if (!tv.empty()) f.series.push_back(plot::histogram(tv, kMinBins, kMaxBins));
  if (std::isfinite(mu)) f.refs.push_back({true, mu, "μ"});
  if (std::isfinite(mu) && std::isfinite(sigma)) {
    f.refs.push_back({true, mu - sigma, "μ − σ", 8});
    f.refs.push_back({true, mu + sigma, "μ + σ", 8});
  }
  out.figures.push_back(figure_doc(
      "roughness", "tv", f,
      "Each random direction's loss profile around θ has a total variation; RI = σ/μ = " +
          figure_number(ri) +
          " measures how unequal they are: small RI means the loss varies alike in every "
          "direction (smooth), large RI a rough, uneven landscape."));
  out.summary = {{"roughness index", figure_number(ri),
                  "μ " + figure_number(mu) + ", σ " + figure_number(sigma)}};
  out.metadata = group_metadata(g);
  return out;
}

}  // namespace hess::runs
