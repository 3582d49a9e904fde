// Figures of a /density group: the smoothed spectral density on linear and log axes (PyHessian's
// log plot, with a floor), the SLQ nodes as a rug, λmin and λmax marked, the negative mass stated.
#include <algorithm>
#include <cmath>

#include "runs/plot_groups.h"

namespace hess::runs {

namespace {

// The log plot's floor: densities below this share of the peak are drawn at it.
constexpr double kLogFloorShare = 1e-8;

}  // namespace

GroupFigures plot_density(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "density";
  const std::vector<double> grid = g.values("grid"), dens = g.values("density");
  std::vector<double> nodes;
  for (double v : g.values_or_empty("nodes"))
    if (std::isfinite(v)) nodes.push_back(v);
  const double lmin = real_or_nan(g, "lambda_min"), lmax = real_or_nan(g, "lambda_max");
  const double neg = real_or_nan(g, "negative_mass_beyond"),
               neg_se = real_or_nan(g, "negative_mass_beyond_stderr");
  const double raw = real_or_nan(g, "negative_mass_below_zero"),
               eps = real_or_nan(g, "negative_threshold");
  const double ratio = real_or_nan(g, "max_over_min");
  const std::string mass = "negative mass " + figure_number(neg) + " ± " +
                           figure_number(neg_se, 2) + " (below −" + figure_number(eps, 3) +
                           "·λmax); below 0: " + figure_number(raw);

  auto base = [&](const std::string& title) {
    plot::Figure f;
    f.title = title;
    f.x.label = "eigenvalue λ";
    f.y.label = "density";
    f.notes = {mass};
    f.series.push_back(plot::make_series(plot::Mark::Line, grid, dens, "smoothed density"));
    f.series.push_back(plot::make_series(plot::Mark::Rug, nodes, {}, "", 1));
    if (std::isfinite(lmin)) f.refs.push_back({true, lmin, "λmin " + figure_number(lmin)});
    if (std::isfinite(lmax)) f.refs.push_back({true, lmax, "λmax " + figure_number(lmax)});
    return f;
  };
  const std::string reading =
      "The density of the Hessian's eigenvalues estimated by stochastic Lanczos quadrature; ticks "
      "along the bottom are the quadrature nodes. λmax/|λmin| = " +
      figure_number(ratio) +
      ": a large ratio means the curvature is dominated by positive directions (a near-minimum); "
      "near 1, negative and positive curvature are alike (a saddle). The negative mass, " +
      figure_number(neg) + ", is the share of eigenvalues clearly below zero.";
  out.figures.push_back(figure_doc("density", "linear", base("Spectral density"), reading));

  plot::Figure lg = base("Spectral density (log scale)");
  const double peak = dens.empty() ? 1 : *std::max_element(dens.begin(), dens.end());
  lg.y.kind = plot::ScaleKind::Log;
  lg.y.floor = peak > 0 ? peak * kLogFloorShare : 1e-12;
  out.figures.push_back(figure_doc(
      "density", "log", lg,
      "The same density on a log scale (floored at " + figure_number(lg.y.floor, 2) +
          "), showing the small outlying eigenvalues (the bulk near zero and the few large "
          "ones) that the linear plot hides."));

  out.summary = {{"λmax / |λmin|", figure_number(ratio),
                  "SLQ nodes " + figure_number(lmin) + " .. " + figure_number(lmax)},
                 {"negative mass", figure_number(neg), mass}};
  out.metadata = group_metadata(g);
  return out;
}

}  // namespace hess::runs
