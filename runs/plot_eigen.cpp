// Figures of an /eigen group: the eigenvalues found, with their residuals on a log twin axis.
#include <algorithm>
#include <cmath>

#include "runs/plot_groups.h"

namespace hess::runs {

GroupFigures plot_eigen(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "eigen";
  const std::vector<double> ev = g.values("eigenvalues");
  const std::vector<double> res = g.values_or_empty("residuals");
  plot::Figure f;
  f.title = "Extreme eigenvalues";
  f.x.label = "eigenvalue (descending)";
  f.y.label = "eigenvalue";
  f.y2.label = "residual ‖Hu − λu‖";
  f.y2.kind = plot::ScaleKind::Log;
  std::vector<double> idx;
  for (size_t i = 0; i < ev.size(); ++i) {
    idx.push_back(static_cast<double>(i));
    f.x.categories.push_back("λ" + std::to_string(i + 1));
  }
  f.series.push_back(plot::make_series(plot::Mark::Markers, idx, ev, "eigenvalue"));
  if (!res.empty() && std::any_of(res.begin(), res.end(), [](double r) { return r > 0; })) {
    plot::Series r = plot::make_series(plot::Mark::LineMarkers, idx, res, "residual", 1);
    r.right = true;
    r.dashed = true;
    f.series.push_back(r);
  }
  if (!ev.empty() && ev.front() > 0 && ev.back() < 0) f.refs.push_back({false, 0, "0"});
  std::string reading;
  if (!ev.empty()) {
    const double top = ev.front(), bottom = ev.back();
    reading = "The largest eigenvalue λ₁ = " + figure_number(top, 6) +
              " is the curvature along the sharpest direction of the loss";
    if (ev.size() > 1)
      reading += "; the smallest found is " + figure_number(bottom, 6) +
                 (bottom < 0 ? " (negative: the loss curves downwards along that direction, θ "
                               "is not a strict minimum)"
                             : "");
    reading += ".";
    if (!res.empty()) {
      const double worst = *std::max_element(res.begin(), res.end());
      reading += " Residuals ‖Hu − λu‖ up to " + figure_number(worst, 2) +
                 " tell how well each pair is converged (small against |λ| is good).";
    }
  }
  out.figures.push_back(figure_doc("eigen", "values", f, reading));
  for (size_t i = 0; i < ev.size(); ++i)
    out.summary.push_back({"λ" + std::to_string(i + 1), figure_number(ev[i], 8),
                           i < res.size() ? "residual " + figure_number(res[i], 2) : ""});
  out.metadata = group_metadata(g);
  return out;
}

}  // namespace hess::runs
