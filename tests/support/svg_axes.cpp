#include "support/svg_axes.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

namespace hess::test {

double AxisMap::pixel(double v) const {
  return a + b * (log ? std::log10(v) : v);
}

double AxisMap::value(double p) const {
  const double t = (p - a) / b;
  return log ? std::pow(10.0, t) : t;
}

AxisMap axis_map(const SvgDoc& doc, const std::string& tick_class, bool log) {
  AxisMap m;
  m.log = log;
  const bool vertical = tick_class != "xtick";
  std::vector<double> t, p;
  for (const SvgElement* g : doc.with_class(tick_class)) {
    const SvgElement* mark = nullptr;
    const SvgElement* label = nullptr;
    for (const SvgElement& e : doc.elements) {
      if (e.parent < 0 || &doc.elements[static_cast<size_t>(e.parent)] != g) continue;
      if (e.has_class("tickmark")) mark = &e;
      if (e.has_class("ticklabel")) label = &e;
    }
    REQUIRE(mark);
    REQUIRE(label);
    const double v = std::strtod(label->text.c_str(), nullptr);
    m.values.push_back(v);
    t.push_back(log ? std::log10(v) : v);
    p.push_back(vertical ? mark->number("y1") : mark->number("x1"));
    CHECK(mark->number(vertical ? "y2" : "x2") == mark->number(vertical ? "y1" : "x1"));
  }
  REQUIRE(t.size() >= 2);
  const double n = static_cast<double>(t.size());
  double st = 0, sp = 0, stt = 0, stp = 0;
  for (size_t k = 0; k < t.size(); ++k) {
    st += t[k];
    sp += p[k];
    stt += t[k] * t[k];
    stp += t[k] * p[k];
  }
  m.b = (n * stp - st * sp) / (n * stt - st * st);
  m.a = (sp - m.b * st) / n;
  for (size_t k = 0; k < t.size(); ++k) CHECK(std::fabs(m.a + m.b * t[k] - p[k]) < kSvgPixel);
  return m;
}

}  // namespace hess::test
