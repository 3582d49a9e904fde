#include "plot/render.h"

#include "plot/draw.h"
#include "plot/layout.h"

namespace hess::plot {

void put_text(Canvas& c, const std::string& cls, double x, double baseline, const std::string& text,
              double size, Anchor anchor, bool rotated, const Attrs& extra) {
  c.placer.take(rotated ? rotated_text_box(x, baseline, text, size, anchor)
                        : text_box(x, baseline, text, size, anchor));
  Attrs a = {{"class", cls}, {"x", num(x)}, {"y", num(baseline)}, {"font-size", num(size)}};
  if (anchor != Anchor::Start) a.push_back({"text-anchor", anchor_name(anchor)});
  if (rotated) a.push_back({"transform", "rotate(-90 " + num(x) + " " + num(baseline) + ")"});
  a.insert(a.end(), extra.begin(), extra.end());
  c.svg.element("text", a, text);
}

std::string render_svg(const Figure& fig) {
  const Frame frame = layout(fig);
  SvgWriter svg(fig.width, fig.height);
  svg.element("rect", {{"class", "background"},
                       {"width", num(fig.width)},
                       {"height", num(fig.height)},
                       {"fill", "#ffffff"}});
  Placer placer;
  Canvas c{svg, fig, frame, placer};
  if (fig.field) draw_field(c);
  draw_axes(c);
  draw_series(c);
  if (fig.field) {
    draw_field_lines(c);
    draw_colorbar(c);
  }
  draw_refs(c);
  draw_legend(c);
  return svg.finish();
}

}  // namespace hess::plot
