// Figures of an edge-of-stability series: the /eos group of a result file (`hessian eos`) and the
// /sharpness group of a training log (`hessian train --sharpness-every`), one schema
// (docs/formats.md): λ₁…λK against the step with the optimizer's stability threshold and the onset
// marked, and the loss beneath on the same step axis.
#include <algorithm>
#include <cmath>

#include "runs/plot_groups.h"

namespace hess::runs {

namespace {

constexpr size_t kMaxDrawn = 6;  // eigenvalue series drawn (λ₁ … λ₆)

}  // namespace

GroupFigures plot_eos(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "eos";
  const std::vector<double> step = g.values("step");
  const ResultArray ev = g.array("eigenvalues");
  const std::vector<double> threshold = g.values("threshold");
  const std::vector<double> loss = g.values_or_empty("loss");
  const size_t n = step.size();
  const size_t k = ev.shape.size() == 2 ? static_cast<size_t>(ev.shape[1]) : 1;
  const double onset = real_or_nan(g, "onset_step");
  double lo = step.empty() ? 0 : step.front(), hi = step.empty() ? 1 : step.back();
  if (!(hi > lo)) hi = lo + 1;

  plot::Figure f;
  f.title = "Sharpness against the stability threshold";
  f.x.label = "step";
  f.y.label = "eigenvalue";
  f.x.min = lo;
  f.x.max = hi;
  for (size_t j = 0; j < k && j < kMaxDrawn; ++j) {
    std::vector<double> lam;
    for (size_t i = 0; i < n; ++i) lam.push_back(ev.values[i * k + j]);
    f.series.push_back(plot::make_series(j == 0 ? plot::Mark::LineMarkers : plot::Mark::Line, step,
                                         lam, "λ" + std::to_string(j + 1), static_cast<int>(j)));
  }
  plot::Series thr = plot::make_series(plot::Mark::Line, step, threshold, "threshold", 6);
  thr.dashed = true;
  f.series.push_back(thr);
  if (std::isfinite(onset)) f.refs.push_back({true, onset, "onset"});
  const std::string rule =
      g.h5().has_attr("threshold_rule") ? g.h5().string_attr("threshold_rule") : "";
  if (!rule.empty()) f.notes.push_back("threshold " + rule);
  std::string reading =
      "The top eigenvalues of the training loss's Hessian as training goes, against the "
      "optimizer's stability threshold (dashed). Progressive sharpening is λ₁ rising; at the edge "
      "of stability it reaches the threshold and hovers there while the loss keeps falling, not "
      "monotonically.";
  reading += std::isfinite(onset)
                 ? " λ₁ first reached the threshold at step " + figure_number(onset, 9) +
                       "; the largest ratio λ₁/threshold was " +
                       figure_number(real_or_nan(g, "max_ratio"), 3) + "."
                 : " λ₁ never reached the threshold in this series.";
  out.figures.push_back(figure_doc("eos", "sharpness", f, reading));

  if (loss.size() == n && n > 0) {
    plot::Figure l;
    l.title = "Loss on the same steps";
    l.x.label = "step";
    l.y.label = "loss";
    l.x.min = lo;
    l.x.max = hi;
    l.height = 260;
    l.series.push_back(plot::make_series(plot::Mark::LineMarkers, step, loss, "full-batch loss"));
    if (std::isfinite(onset)) l.refs.push_back({true, onset, "onset"});
    out.figures.push_back(figure_doc(
        "eos", "loss", l,
        "The full-batch loss on the analysis set at the measured steps, on the step axis of the "
        "figure above: after the onset it falls while going up now and then."));
  }
  out.summary = {{"onset step", figure_number(onset, 9), ""},
                 {"max λ₁/threshold", figure_number(real_or_nan(g, "max_ratio")), ""},
                 {"edge-of-stability fraction", figure_number(real_or_nan(g, "eos_fraction")),
                  "measurements after onset within 10 % of the threshold"}};
  if (g.h5().has_attr("engine_version") && g.h5().has_attr("command_line")) {
    out.metadata = group_metadata(g);
  } else {
    out.metadata = {{"measurements", std::to_string(n)}};
  }
  return out;
}

}  // namespace hess::runs
