// Figures of a /sharpness group: the measures computed, each on its own row of a log axis, and the
// top eigenvalues of its Lanczos run.
#include <cmath>

#include "runs/plot_groups.h"
#include "runs/sharpness_run.h"

namespace hess::runs {

GroupFigures plot_sharpness(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "sharpness";
  const std::vector<std::string> measures =
      g.h5().has_attr("measures") ? g.h5().strings_attr("measures") : std::vector<std::string>{};
  std::vector<std::string> names;
  std::vector<double> idx, values;
  std::vector<std::string> dropped;
  for (const std::string& m : measures) {
    const double v = real_or_nan(g, measure_key(parse_enum<SharpnessMeasure>(m)));
    out.summary.push_back({"sharpness " + m, figure_number(v, 6), ""});
    if (v > 0) {
      idx.push_back(static_cast<double>(names.size()));
      names.push_back(m);
      values.push_back(v);
    } else {
      dropped.push_back(m + " = " + figure_number(v));
    }
  }
  plot::Figure f;
  f.title = "Sharpness measures";
  f.x.categories = names;
  f.y.label = "value (log scale)";
  f.y.kind = plot::ScaleKind::Log;
  f.series.push_back(plot::make_series(plot::Mark::Markers, idx, values));
  if (!dropped.empty()) {
    std::string note = "not positive, not drawn:";
    for (const std::string& d : dropped) note += " " + d;
    f.notes.push_back(note);
  }
  out.figures.push_back(figure_doc(
      "sharpness", "measures", f,
      "The sharpness measures of the loss at θ, each in its own units (λmax and the trace of the "
      "Hessian; ‖H‖_F; the gradient's overlap with the top eigenspace, a fraction; the loss "
      "increase under average and worst-case perturbations of radius ρ = " +
          figure_number(real_or_nan(g, "rho")) +
          "; Keskar's ε-sharpness in percent). Larger values mean a sharper minimum."));
  if (g.has_dataset("top_eigenvalues")) {
    const std::vector<double> ev = g.values("top_eigenvalues");
    std::vector<double> k;
    for (size_t i = 0; i < ev.size(); ++i) k.push_back(static_cast<double>(i + 1));
    plot::Figure e;
    e.title = "Top eigenvalues (sharpness run)";
    e.x.label = "index";
    e.y.label = "eigenvalue";
    e.series.push_back(plot::make_series(plot::Mark::LineMarkers, k, ev));
    out.figures.push_back(figure_doc("sharpness", "top-eigenvalues", e,
                                     "The largest Hessian eigenvalues of the Lanczos run behind "
                                     "λmax and the gradient overlap; a steep drop after the first "
                                     "few means a few sharp directions dominate."));
  }
  out.metadata = group_metadata(g);
  return out;
}

}  // namespace hess::runs
