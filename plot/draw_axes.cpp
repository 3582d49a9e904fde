// Title, notes, the plot frame, ticks with labels and grid lines, axis labels.
#include <cmath>

#include "plot/draw.h"

namespace hess::plot {

namespace {

constexpr double kTickGap = 3;
constexpr double kBaselineShift = 0.35;  // of the font size: centres digits on a y position
const char* const kGrid = "#e6e6e6";
const char* const kInk = "#333333";

void line(Canvas& c, const std::string& cls, double x1, double y1, double x2, double y2,
          const char* stroke) {
  c.svg.element("line", {{"class", cls},
                         {"x1", num(x1)},
                         {"y1", num(y1)},
                         {"x2", num(x2)},
                         {"y2", num(y2)},
                         {"stroke", stroke}});
}

void y_ticks(Canvas& c, const Ticks& t, const Scale& s, bool right) {
  const Box& p = c.frame.plot;
  for (const Tick& k : t.ticks) {
    const double py = s.to_pixel(k.value);
    c.svg.open("g", {{"class", right ? "y2tick" : "ytick"}});
    if (!right && !c.fig.field) line(c, "grid", p.x0, py, p.x1, py, kGrid);
    const double x0 = right ? p.x1 : p.x0 - kTickLength;
    line(c, "tickmark", x0, py, x0 + kTickLength, py, kInk);
    put_text(c, "ticklabel", right ? p.x1 + kTickLength + kTickGap : p.x0 - kTickLength - kTickGap,
             py + kBaselineShift * kTickSize, k.label, kTickSize,
             right ? Anchor::Start : Anchor::End);
    c.svg.close();
  }
}

}  // namespace

void draw_axes(Canvas& c) {
  const Figure& f = c.fig;
  const Frame& fr = c.frame;
  const Box& p = fr.plot;
  if (!f.title.empty())
    put_text(c, "title", f.width / 2, fr.title_baseline, f.title, kTitleSize, Anchor::Middle, false,
             {{"font-weight", "bold"}});
  for (size_t i = 0; i < f.notes.size(); ++i)
    put_text(c, "note", 8, fr.note_baselines[i], f.notes[i], kNoteSize, Anchor::Start);

  // x ticks
  for (const Tick& k : fr.xt.ticks) {
    const double px = fr.x.to_pixel(k.value);
    c.svg.open("g", {{"class", "xtick"}});
    if (f.x.categories.empty() && !f.field) line(c, "grid", px, p.y0, px, p.y1, kGrid);
    line(c, "tickmark", px, p.y1, px, p.y1 + kTickLength, kInk);
    if (fr.categories_rotated) {
      put_text(c, "ticklabel", px + kBaselineShift * kTickSize, p.y1 + kTickLength + kTickGap,
               k.label, kTickSize, Anchor::End, true);
    } else {
      put_text(c, "ticklabel", px, p.y1 + kTickLength + kTickGap + 0.8 * kTickSize, k.label,
               kTickSize, Anchor::Middle);
    }
    c.svg.close();
  }
  y_ticks(c, fr.yt, fr.y, false);
  if (fr.has_y2) y_ticks(c, fr.y2t, fr.y2, true);

  c.svg.element("rect", {{"class", "frame"},
                         {"x", num(p.x0)},
                         {"y", num(p.y0)},
                         {"width", num(p.x1 - p.x0)},
                         {"height", num(p.y1 - p.y0)},
                         {"fill", "none"},
                         {"stroke", kInk}});
  const double mid_y = (p.y0 + p.y1) / 2;
  if (!f.x.label.empty())
    put_text(c, "label", (p.x0 + p.x1) / 2, fr.xlabel_baseline, f.x.label, kLabelSize,
             Anchor::Middle);
  if (!f.y.label.empty())
    put_text(c, "label", fr.ylabel_x, mid_y, f.y.label, kLabelSize, Anchor::Middle, true);
  if (fr.has_y2 && !f.y2.label.empty())
    put_text(c, "label", fr.y2label_x, mid_y, f.y2.label, kLabelSize, Anchor::Middle, true);
}

}  // namespace hess::plot
