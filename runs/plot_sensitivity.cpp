// Figures of `hessian sensitivity`'s groups (docs/cli.md): /sensitivity, each block's predicted
// (second order) and measured loss change at every bit width on a log axis; /allocation, the bits
// chosen per block; /pareto, the loss change against the model size over the budget sweep.
#include <cmath>

#include "runs/plot_groups.h"

namespace hess::runs {

namespace {

std::string width_label(double bits) {
  return figure_number(bits, 3) + " bits";
}

}  // namespace

GroupFigures plot_sensitivity(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "sensitivity";
  const std::vector<std::string> blocks = g.strings("blocks");
  const std::vector<double> bits = g.values("bits");
  const std::vector<double> predicted = g.values("predicted_dloss");
  const std::vector<double> measured = g.values_or_empty("measured_dloss");
  const size_t nb = bits.size();
  plot::Figure f;
  f.title = "Loss change when one block is quantized";
  f.x.categories = blocks;
  f.y.label = "loss change (log scale)";
  f.y.kind = plot::ScaleKind::Log;
  f.height = 460;
  std::vector<double> idx;
  for (size_t i = 0; i < blocks.size(); ++i) idx.push_back(static_cast<double>(i));
  for (size_t w = 0; w < nb; ++w) {
    std::vector<double> p, m;
    for (size_t i = 0; i < blocks.size(); ++i) {
      p.push_back(predicted[i * nb + w]);
      if (measured.size() == predicted.size()) m.push_back(measured[i * nb + w]);
    }
    const int color = static_cast<int>(w);
    plot::Series pred =
        plot::make_series(plot::Mark::Line, idx, p, "predicted, " + width_label(bits[w]), color);
    pred.dashed = true;
    f.series.push_back(pred);
    if (!m.empty())
      f.series.push_back(plot::make_series(plot::Mark::Markers, idx, m,
                                           "measured, " + width_label(bits[w]), color));
  }
  out.figures.push_back(figure_doc(
      "sensitivity", "blocks", f,
      "For each block quantized alone, the loss change the second-order model predicts "
      "(gᵀΔw + ½ΔwᵀHΔw, dashed) and the one measured (dots), per bit width. Blocks high up are "
      "the sensitive ones that deserve more bits; dots on their dashed line mean the "
      "prediction holds. Changes that are zero or negative are not drawn on the log axis."));
  const double rho = real_or_nan(g, "spearman_predicted");
  out.summary = {{"Spearman (predicted vs measured)", figure_number(rho, 3), ""}};
  if (g.has_dataset("ranking")) {
    const std::vector<std::string> r = g.strings("ranking");
    if (!r.empty()) out.summary.push_back({"most sensitive block", r.front(), ""});
  }
  out.metadata = group_metadata(g);
  return out;
}

GroupFigures plot_allocation(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "allocation";
  const std::vector<double> bits = g.values("bits_per_block");
  plot::Figure f;
  f.title = "Bits per block of the allocation";
  f.y.label = "bits";
  std::vector<std::string> names;
  for (size_t i = 0; i < bits.size(); ++i) names.push_back("block " + std::to_string(i + 1));
  f.x.categories = names;
  std::vector<double> idx;
  for (size_t i = 0; i < bits.size(); ++i) idx.push_back(static_cast<double>(i));
  f.series.push_back(plot::make_series(plot::Mark::Bars, idx, bits));
  f.notes = {"size " + figure_number(real_or_nan(g, "size_bytes"), 6) + " bytes, predicted " +
             figure_number(real_or_nan(g, "predicted_dloss")) + ", joint " +
             figure_number(real_or_nan(g, "predicted_dloss_joint")) + ", measured " +
             figure_number(real_or_nan(g, "measured_dloss"))};
  out.figures.push_back(figure_doc(
      "allocation", "bits", f,
      "The bit width chosen for each block (in the order of /sensitivity/blocks) to minimize the "
      "summed criterion under the budget; sensitive blocks keep more bits."));
  out.summary = {{"allocation measured loss change",
                  figure_number(real_or_nan(g, "measured_dloss")),
                  "predicted " + figure_number(real_or_nan(g, "predicted_dloss"))}};
  out.metadata = group_metadata(g);
  return out;
}

GroupFigures plot_pareto(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "pareto";
  const std::vector<double> size = g.values("size_bytes");
  plot::Figure f;
  f.title = "Loss change against model size (Pareto sweep)";
  f.x.label = "size (bytes)";
  f.y.label = "loss change (log scale)";
  f.y.kind = plot::ScaleKind::Log;
  int color = 0;
  for (const char* key : {"predicted_dloss", "predicted_dloss_joint", "measured_dloss"}) {
    if (!g.has_dataset(key)) continue;
    plot::Series s = plot::make_series(plot::Mark::LineMarkers, size, g.values(key), key, color++);
    s.dashed = std::string(key) != "measured_dloss";
    f.series.push_back(s);
  }
  out.figures.push_back(figure_doc(
      "pareto", "curve", f,
      "Each point is the best allocation for one size budget: the summed and the joint "
      "(cross-block terms included) second-order predictions and the measured loss change. "
      "The curve shows what each saved byte costs in loss."));
  out.metadata = group_metadata(g);
  return out;
}

}  // namespace hess::runs
