#pragma once
// What the figures of one result group are: each figure's SVG with a title and a short reading in
// plain words, the lines the group adds to a report's summary table, and the group's metadata.
// Made by the group plotters of runs/plot_groups.h, used by `hessian plot` and the HTML report.

#include <string>
#include <utility>
#include <vector>

#include "io/result_reader.h"
#include "plot/figure.h"

namespace hess::runs {

struct FigureDoc {
  std::string id;  // unique in a report: "eigen-values", "landscape-contour", ...
  std::string title;
  std::string svg;      // the rendered figure
  std::string reading;  // what it shows, in plain words
};

struct SummaryLine {
  std::string quantity, value, detail;
};

struct GroupFigures {
  std::string group;  // "eigen", "train", ...
  std::string file;   // the file it came from
  std::vector<FigureDoc> figures;
  std::vector<SummaryLine> summary;
  std::vector<std::pair<std::string, std::string>> metadata;  // (key, value) in order
};

// How figures are drawn (`hessian plot --log`).
struct PlotStyle {
  bool log = false;  // landscape colours on a log scale
};

// Renders `fig` as the figure `group-name`.
FigureDoc figure_doc(const std::string& group, const std::string& name, const plot::Figure& fig,
                     std::string reading);
// The metadata attributes of a result group (docs/formats.md) as (key, value) text, with the model
// and data named as the command line gave them.
std::vector<std::pair<std::string, std::string>> group_metadata(const ResultGroupView& g);
// A float64 dataset with the missing-value marker of a progress array turned into NaN.
std::vector<double> values_without_missing(const ResultGroupView& g, const std::string& name);
// A real attribute, NaN when absent.
double real_or_nan(const ResultGroupView& g, const std::string& name);
// The loss (left axis) and the accuracy in percent (right axis, dashed; left out unless it has a
// value per x) against x, named "<prefix>loss" and "<prefix>accuracy (%)".
void add_loss_accuracy(plot::Figure& f, const std::vector<double>& x,
                       const std::vector<double>& loss, const std::vector<double>& accuracy,
                       const std::string& prefix);
// Bars per layer on a category axis with ± error bars, and one summary line per layer
// ("<quantity> <layer>", value, "± err").
void add_layer_bars(plot::Figure& f, GroupFigures& out, const std::vector<std::string>& names,
                    const std::vector<double>& values, const std::vector<double>& err,
                    const std::string& quantity);
// "1.234" with 4 significant digits; "n/a" for NaN.
std::string figure_number(double v, int digits = 4);

}  // namespace hess::runs
