#include "plot/layout.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hess::plot {

namespace {

constexpr double kPad = 8;            // outer padding
constexpr double kLineGap = 1.35;     // baseline-to-baseline, in font sizes
constexpr double kTickGap = 3;        // between a tick and its label
constexpr double kYTickSpacing = 30;  // pixels per y tick at least
constexpr double kLabelSpacing = 12;  // between neighbouring x tick labels
constexpr double kColorbarWidth = 14;
constexpr double kColorbarGap = 14;
constexpr int kMaxTicks = 12;

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(hi >= lo); }
};

// A value as an axis of this kind draws it (log: positive, raised to the floor), or NaN.
double drawable(const Axis& a, double v) {
  if (a.kind != ScaleKind::Log) return v;
  if (a.floor > 0) return std::isfinite(v) ? std::max(v, a.floor) : v;
  return v > 0 ? v : std::numeric_limits<double>::quiet_NaN();
}

Range x_range(const Figure& f) {
  Range r;
  if (!f.x.categories.empty()) {
    r.add(-0.5);
    r.add(static_cast<double>(f.x.categories.size()) - 0.5);
    return r;
  }
  for (const Series& s : f.series) {
    if (s.mark == Mark::Histogram) {
      for (double e : s.edges) r.add(drawable(f.x, e));
    } else {
      for (double v : s.x) r.add(drawable(f.x, v));
    }
  }
  for (const RefLine& l : f.refs)
    if (l.vertical) r.add(drawable(f.x, l.at));
  return r;
}

Range y_range(const Figure& f, bool right) {
  const Axis& a = right ? f.y2 : f.y;
  Range r;
  for (const Series& s : f.series) {
    if (s.right != right || s.mark == Mark::Rug) continue;
    for (size_t k = 0; k < s.y.size(); ++k) {
      const double e = k < s.err.size() && std::isfinite(s.err[k]) ? s.err[k] : 0;
      r.add(drawable(a, s.y[k] - e));
      r.add(drawable(a, s.y[k] + e));
    }
    if ((s.mark == Mark::Bars || s.mark == Mark::Histogram) && a.kind == ScaleKind::Linear)
      r.add(0);
  }
  if (!right)
    for (const RefLine& l : f.refs)
      if (!l.vertical) r.add(drawable(a, l.at));
  return r;
}

Range fixed(const Axis& a, Range r) {
  if (a.min) r.lo = *a.min;
  if (a.max) r.hi = *a.max;
  if (r.empty()) {
    r.lo = a.kind == ScaleKind::Log ? 1 : 0;
    r.hi = a.kind == ScaleKind::Log ? 10 : 1;
  }
  return r;
}

// Ticks exactly inside [lo, hi] and the axis range [lo, hi] itself (fields fill the plot box).
Ticks tight(ScaleKind kind, double lo, double hi, int max_ticks) {
  Ticks t = make_ticks(kind, lo, hi, max_ticks);
  Ticks out;
  out.lo = lo;
  out.hi = hi;
  const double slack = (kind == ScaleKind::Log ? std::log10(hi / lo) : hi - lo) * 1e-9;
  for (const Tick& k : t.ticks) {
    const double v = kind == ScaleKind::Log ? std::log10(k.value) : k.value;
    const double a = kind == ScaleKind::Log ? std::log10(lo) : lo;
    const double b = kind == ScaleKind::Log ? std::log10(hi) : hi;
    if (v >= a - slack && v <= b + slack) out.ticks.push_back(k);
  }
  return out;
}

double widest(const Ticks& t, double size) {
  double w = 0;
  for (const Tick& k : t.ticks) w = std::max(w, text_width(k.label, size));
  return w;
}

// Most ticks (at most kMaxTicks) whose labels fit into `length` pixels side by side.
template <typename MakeTicks>
Ticks fitting_x_ticks(MakeTicks make, double length) {
  for (int n = kMaxTicks; n >= 2; --n) {
    Ticks t = make(n);
    const double need =
        static_cast<double>(t.ticks.size()) * (widest(t, kTickSize) + kLabelSpacing);
    if (need <= length || n == 2) return t;
  }
  return make(2);
}

}  // namespace

ValueRange field_range(const Field& f) {
  ValueRange r;
  Range v;
  for (double z : f.grid.z)
    if (!f.log || z > 0) v.add(f.log ? std::log10(z) : z);
  if (v.empty()) return r;
  r.lo = v.lo;
  r.hi = v.hi;
  r.empty = false;
  if (r.hi == r.lo) {
    r.lo -= 0.5;
    r.hi += 0.5;
  }
  return r;
}

Frame layout(const Figure& fig) {
  Frame fr;
  const bool has_field = fig.field.has_value();
  fr.has_y2 =
      std::any_of(fig.series.begin(), fig.series.end(), [](const Series& s) { return s.right; });
  fr.has_field = has_field;

  // top: title, notes, legend rows (the legend spans the figure's width)
  double top = kPad;
  if (!fig.title.empty()) {
    top += kTitleSize;
    fr.title_baseline = top;
  }
  for (size_t i = 0; i < fig.notes.size(); ++i) {
    top += kNoteSize * kLineGap;
    fr.note_baselines.push_back(top);
  }
  {
    double x = kPad, baseline = top + kLegendSize * kLineGap;
    bool any = false;
    for (const Series& s : fig.series) {
      if (s.label.empty()) continue;
      const double w = kSwatch + 4 + text_width(s.label, kLegendSize);
      if (x > kPad && x + w > fig.width - kPad) {
        x = kPad;
        baseline += kLegendSize * kLineGap;
      }
      fr.legend.push_back({&s, x, baseline});
      x += w + kLegendGap;
      any = true;
    }
    if (any) top = baseline;
  }
  const double plot_top = top + kTickSize;  // room for the top y tick label's upper half

  // data ranges
  Range xr = fixed(fig.x, x_range(fig));
  Range yr = fixed(fig.y, y_range(fig, false));
  const Range y2r = fixed(fig.y2, y_range(fig, true));
  if (has_field && fig.field->grid.xs.size() > 1 && fig.field->grid.ys.size() > 1) {
    const Grid& g = fig.field->grid;
    xr = {g.xs.front(), g.xs.back()};
    yr = {g.ys.front(), g.ys.back()};
    if (fig.field->heatmap) {
      const double hx = (xr.hi - xr.lo) / static_cast<double>(g.xs.size() - 1);
      const double hy = (yr.hi - yr.lo) / static_cast<double>(g.ys.size() - 1);
      xr = {xr.lo - hx / 2, xr.hi + hx / 2};
      yr = {yr.lo - hy / 2, yr.hi + hy / 2};
    }
  }

  // bottom: x tick labels (categories read upwards when they do not fit side by side), x label
  double category_width = 0;
  for (const std::string& c : fig.x.categories)
    category_width = std::max(category_width, text_width(c, kTickSize));
  const double rough_plot_w = fig.width - 2 * kPad - 100;
  fr.categories_rotated =
      !fig.x.categories.empty() &&
      category_width + kLabelSpacing > rough_plot_w / static_cast<double>(fig.x.categories.size());
  const double xtick_height = fr.categories_rotated ? category_width : kTickSize;
  double bottom = fig.height - kPad;
  if (!fig.x.label.empty()) {
    fr.xlabel_baseline = bottom - kLabelSize * 0.25;
    bottom -= kLabelSize * kLineGap;
  }
  const double plot_bottom = bottom - kTickLength - kTickGap - xtick_height - 2;
  const double plot_h = std::max(40.0, plot_bottom - plot_top);
  const int y_ticks = std::max(2, static_cast<int>(plot_h / kYTickSpacing) + 1);

  // y ticks (a field's axes are tight), left margin
  if (has_field)
    fr.yt = tight(fig.y.kind, yr.lo, yr.hi, y_ticks);
  else
    fr.yt = make_ticks(fig.y.kind, yr.lo, yr.hi, y_ticks);
  double left = kPad + widest(fr.yt, kTickSize) + kTickGap + kTickLength;
  if (!fig.y.label.empty()) {
    fr.ylabel_x = kPad + kLabelSize * 0.8;
    left += kLabelSize * kLineGap;
  }

  // right margin: twin axis, colour bar, or room for the last x tick label
  double right = fig.width - kPad - 16;
  if (fr.has_y2) {
    fr.y2t = make_ticks(fig.y2.kind, y2r.lo, y2r.hi, y_ticks);
    right = fig.width - kPad - widest(fr.y2t, kTickSize) - kTickGap - kTickLength;
    if (!fig.y2.label.empty()) {
      fr.y2label_x = fig.width - kPad - kLabelSize * 0.25;
      right -= kLabelSize * kLineGap;
    }
  }
  if (has_field) {
    const ValueRange vr = field_range(*fig.field);
    const ScaleKind ck = fig.field->log ? ScaleKind::Log : ScaleKind::Linear;
    const double lo = fig.field->log ? std::pow(10.0, vr.lo) : vr.lo;
    const double hi = fig.field->log ? std::pow(10.0, vr.hi) : vr.hi;
    fr.ct = tight(ck, lo, hi, y_ticks);
    double bar_right = fig.width - kPad - widest(fr.ct, kTickSize) - kTickGap - kTickLength;
    if (!fig.field->label.empty()) {
      fr.clabel_x = fig.width - kPad - kLabelSize * 0.25;
      bar_right -= kLabelSize * kLineGap;
    }
    fr.colorbar = {bar_right - kColorbarWidth, plot_top, bar_right, plot_top + plot_h};
    fr.color = Scale(ck, lo, hi, plot_top + plot_h, plot_top);
    right = std::min(right, fr.colorbar.x0 - kColorbarGap);
  }
  const double plot_w = std::max(40.0, right - left);
  fr.plot = {left, plot_top, left + plot_w, plot_top + plot_h};

  // x ticks: as many as fit; categories at 0..n-1
  if (!fig.x.categories.empty()) {
    fr.xt.lo = xr.lo;
    fr.xt.hi = xr.hi;
    for (size_t k = 0; k < fig.x.categories.size(); ++k)
      fr.xt.ticks.push_back({static_cast<double>(k), fig.x.categories[k]});
  } else {
    // lines and markers on a linear axis keep a little room at both ends unless fixed
    fr.xt = fitting_x_ticks(
        [&](int n) {
          return has_field ? tight(fig.x.kind, xr.lo, xr.hi, n)
                           : make_ticks(fig.x.kind, xr.lo, xr.hi, n);
        },
        plot_w);
  }
  fr.x = Scale(fig.x.kind, fr.xt.lo, fr.xt.hi, fr.plot.x0, fr.plot.x1);
  fr.y = Scale(fig.y.kind, fr.yt.lo, fr.yt.hi, fr.plot.y1, fr.plot.y0);
  if (fr.has_y2) fr.y2 = Scale(fig.y2.kind, fr.y2t.lo, fr.y2t.hi, fr.plot.y1, fr.plot.y0);
  return fr;
}

}  // namespace hess::plot
