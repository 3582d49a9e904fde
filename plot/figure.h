#pragma once
// A figure described as data, rendered to SVG by render_svg (plot/render.h): axes (linear or log,
// a category axis for bars, a twin y axis on the right), series (lines, markers, bars, error bars,
// histograms, rugs), reference lines, notes, and optionally a 2-D field (filled contours with
// labelled contour lines, or a heat map, with a viridis colour bar).
//
//   hess::plot::Figure f;
//   f.title = "Top eigenvalues";
//   f.x.label = "index";  f.y.label = "eigenvalue";
//   f.series.push_back(make_series(hess::plot::Mark::Markers, {1, 2}, {3, 1}, "λ"));
//   std::string svg = hess::plot::render_svg(f);

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plot/contour.h"
#include "plot/scale.h"

namespace hess::plot {

enum class Mark {
  Line,         // polyline through (x, y); a non-finite y breaks it
  Markers,      // circles at (x, y)
  LineMarkers,  // both
  Bars,         // bars from 0 (or the log floor) to y at x (category index on a category axis)
  Histogram,    // counts y over bins [edges[k], edges[k+1])
  Rug,          // ticks at x along the bottom of the plot
};

struct Series {
  std::string label;  // legend entry; "" for none
  Mark mark = Mark::Line;
  std::vector<double> x, y;
  std::vector<double> err;    // ± error bars at each point (Bars, Markers), empty for none
  std::vector<double> edges;  // Histogram: the bin edges (y.size() + 1)
  int color = 0;              // series_color index
  bool dashed = false;
  bool right = false;  // on the twin y axis
};

// A series of the given mark through (x, y); set err, edges, dashed, right afterwards.
inline Series make_series(Mark mark, std::vector<double> x, std::vector<double> y,
                          std::string label = "", int color = 0) {
  Series s;
  s.mark = mark;
  s.x = std::move(x);
  s.y = std::move(y);
  s.label = std::move(label);
  s.color = color;
  return s;
}

// A vertical (x = at) or horizontal (y = at) line across the plot, labelled.
struct RefLine {
  bool vertical = true;
  double at = 0;
  std::string label;
  int color = 6;
};

struct Axis {
  std::string label;
  ScaleKind kind = ScaleKind::Linear;
  // Log axes: values below the floor are drawn at it (a density's zeros). 0: no floor (such values
  // are left out).
  double floor = 0;
  // A category axis (bars): category k at x = k, labelled categories[k].
  std::vector<std::string> categories;
  std::optional<double> min, max;  // fixed range (before widening to ticks)
};

// A function on a grid drawn behind the series, coloured by viridis through a colour bar.
struct Field {
  Grid grid;
  bool heatmap = false;  // cells coloured by value instead of filled contour bands
  bool lines = true;     // contour lines, labelled with their level
  bool log = false;      // colours and levels on a log scale (positive values only)
  int levels = 10;       // about this many contour levels (round numbers)
  std::string label;     // the colour bar's title
};

struct Figure {
  std::string title;
  Axis x, y, y2;  // y2 used when a series is `right`
  std::vector<Series> series;
  std::vector<RefLine> refs;
  std::optional<Field> field;
  std::vector<std::string> notes;  // lines of text under the title
  double width = 640, height = 420;
};

}  // namespace hess::plot
