// Figures of a /landscape group: 1-D, the loss and the accuracy along the axis on twin axes (an
// interpolation titled as such); 2-D, filled contours with labelled contour lines and a colour bar
// (the PCA path of the checkpoints drawn over it when present), and the heat map.
#include <algorithm>
#include <cmath>

#include "runs/plot_groups.h"

namespace hess::runs {

namespace {

std::string attr_or(const ResultGroupView& g, const char* name, const std::string& fallback) {
  return g.h5().has_attr(name) ? g.h5().string_attr(name) : fallback;
}

std::pair<double, double> finite_range(const std::vector<double>& v) {
  double lo = INFINITY, hi = -INFINITY;
  for (double x : v)
    if (std::isfinite(x)) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
  return {lo, hi};
}

}  // namespace

GroupFigures plot_landscape(const ResultGroupView& g, const PlotStyle& style) {
  GroupFigures out;
  out.group = "landscape";
  const std::string dirs = attr_or(g, "dirs", "random");
  const std::vector<double> xs = g.values("xcoordinates");
  const std::vector<double> loss = values_without_missing(g, "train_loss");
  const std::vector<double> acc =
      g.has_dataset("train_acc") ? values_without_missing(g, "train_acc") : std::vector<double>{};
  const bool two_d = g.has_dataset("ycoordinates") && g.values("ycoordinates").size() > 1 &&
                     loss.size() == xs.size() * g.values("ycoordinates").size();
  const auto [lo, hi] = finite_range(loss);
  out.summary.push_back({"landscape loss", figure_number(lo) + " .. " + figure_number(hi),
                         std::string(two_d ? "2-D" : "1-D") + " grid, " + dirs + " axes"});

  if (!two_d) {
    plot::Figure f;
    const bool interp = dirs == "interp";
    f.title = interp ? "Linear interpolation between two models" : "Loss along one direction";
    f.x.label = interp ? "α (0: the model, 1: the second model)" : "step along the direction";
    add_loss_accuracy(f, xs, loss, acc, "train ");
    f.refs.push_back({true, 0, "θ"});
    out.figures.push_back(figure_doc(
        "landscape", "curve", f,
        std::string(interp ? "The loss on the straight line between the two models; a bump in "
                             "between is a barrier separating them, none means they are linearly "
                             "connected."
                           : "The loss along a (normalized) direction through θ at 0: a narrow "
                             "valley means a sharp minimum, a wide one a flat minimum.") +
            " Accuracy is on the right axis. Loss ranges " + figure_number(lo) + " to " +
            figure_number(hi) + "."));
    out.metadata = group_metadata(g);
    return out;
  }

  const std::vector<double> ys = g.values("ycoordinates");
  plot::Field field;
  field.grid.xs = xs;
  field.grid.ys = ys;
  field.grid.z = loss;
  field.log = style.log && lo > 0;
  field.label = field.log ? "loss (log scale)" : "loss";
  plot::Figure f;
  f.title = "Loss landscape (" + dirs + " axes)";
  f.x.label = "x direction";
  f.y.label = "y direction";
  f.width = 640;
  f.height = 480;
  f.field = field;
  if (g.has_dataset("proj_xcoord") && g.has_dataset("proj_ycoord")) {
    plot::Series path =
        plot::make_series(plot::Mark::LineMarkers, g.values("proj_xcoord"), g.values("proj_ycoord"),
                          "checkpoints (PCA projection)", 3);
    f.series.push_back(path);
  }
  const std::string range = "Loss ranges " + figure_number(lo) + " to " + figure_number(hi) + ".";
  out.figures.push_back(figure_doc(
      "landscape", "contour", f,
      "Contours of the loss on the plane through θ (the centre) spanned by two directions; "
      "closely spaced lines mean steep walls, a wide central basin a flat minimum. " +
          range));
  plot::Figure h = f;
  h.title = "Loss landscape, heat map";
  h.field->heatmap = true;
  h.field->lines = false;
  out.figures.push_back(figure_doc(
      "landscape", "heatmap", h, "The same grid as a heat map, one cell per grid point. " + range));
  out.metadata = group_metadata(g);
  return out;
}

}  // namespace hess::runs
