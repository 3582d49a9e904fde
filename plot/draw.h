#pragma once
// The drawing steps of render_svg, each onto the SVG writer in the frame layout() computed. Every
// text goes through the Placer so labels never overlap the ones placed before them.

#include "plot/figure.h"
#include "plot/layout.h"
#include "plot/svg_writer.h"
#include "plot/text_box.h"

namespace hess::plot {

struct Canvas {
  SvgWriter& svg;
  const Figure& fig;
  const Frame& frame;
  Placer& placer;
};

// A text element (class `cls`) whose box is taken in the placer.
void put_text(Canvas& c, const std::string& cls, double x, double baseline, const std::string& text,
              double size, Anchor anchor, bool rotated = false, const Attrs& extra = {});

// plot/draw_axes.cpp: title, notes, the plot frame, ticks with labels and grid lines, axis labels.
void draw_axes(Canvas& c);
// plot/draw_series.cpp: every series, error bars, rugs; then reference lines and the legend.
void draw_series(Canvas& c);
void draw_refs(Canvas& c);
void draw_legend(Canvas& c);
// plot/draw_field.cpp: filled contour bands or the heat map, contour lines with their labels, the
// colour bar.
void draw_field(Canvas& c);
void draw_field_lines(Canvas& c);
void draw_colorbar(Canvas& c);

}  // namespace hess::plot
