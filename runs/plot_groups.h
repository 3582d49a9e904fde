#pragma once
// Which figures each kind of group gets: one plotter per group kind, each in its own file
// (runs/plot_<group>.cpp), listed in one table. A plotter reads the group through io/ (never
// recomputes) and returns its figures, summary lines and metadata.
//
// Adding a group kind (e.g. /eos): write runs/plot_eos.cpp with `GroupFigures plot_eos(const
// ResultGroupView&, const PlotStyle&)`, declare it below and add its line to the table in
// runs/plot_groups.cpp. Groups inside a training log are listed with the log's format and their
// path in it ("" for the log's own series).

#include <string>
#include <vector>

#include "runs/group_figures.h"

namespace hess::runs {

using GroupPlotter = GroupFigures (*)(const ResultGroupView&, const PlotStyle&);

struct PlotterEntry {
  const char* format;  // the file's root `format`: "hessian-results" or "hessian-train-log"
  const char* group;   // the group's path in the file ("" for the root)
  const char* name;    // what --groups calls it
  GroupPlotter plot;
};

const std::vector<PlotterEntry>& group_plotters();
// The names --groups accepts, comma-separated, for messages.
std::string plottable_names();

GroupFigures plot_eigen(const ResultGroupView& g, const PlotStyle& style);
GroupFigures plot_eigen_per_layer(const ResultGroupView& g, const PlotStyle& style);
GroupFigures plot_density(const ResultGroupView& g, const PlotStyle& style);
GroupFigures plot_trace(const ResultGroupView& g, const PlotStyle& style);
GroupFigures plot_diag(const ResultGroupView& g, const PlotStyle& style);
GroupFigures plot_landscape(const ResultGroupView& g, const PlotStyle& style);
GroupFigures plot_roughness(const ResultGroupView& g, const PlotStyle& style);
GroupFigures plot_sharpness(const ResultGroupView& g, const PlotStyle& style);
GroupFigures plot_train_log(const ResultGroupView& g, const PlotStyle& style);
// `hessian sensitivity`'s groups.
GroupFigures plot_sensitivity(const ResultGroupView& g, const PlotStyle& style);
GroupFigures plot_allocation(const ResultGroupView& g, const PlotStyle& style);
GroupFigures plot_pareto(const ResultGroupView& g, const PlotStyle& style);
// An edge-of-stability series: /eos of a result file, /sharpness of a training log.
GroupFigures plot_eos(const ResultGroupView& g, const PlotStyle& style);

}  // namespace hess::runs
