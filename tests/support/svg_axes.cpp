#include "support/svg_axes.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>

#include "plot/text_box.h"

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

void check_text_layout(const SvgDoc& doc, double width, double height) {
  using namespace hess::plot;
  std::vector<Box> boxes;
  std::vector<std::string> texts;
  for (const SvgElement* t : doc.named("text")) {
    const std::string anchor = t->attr("text-anchor");
    const Anchor a = anchor == "middle" ? Anchor::Middle
                     : anchor == "end"  ? Anchor::End
                                        : Anchor::Start;
    const bool rotated = t->attr("transform").rfind("rotate(-90", 0) == 0;
    const double size = t->number("font-size");
    const Box b = rotated ? rotated_text_box(t->number("x"), t->number("y"), t->text, size, a)
                          : text_box(t->number("x"), t->number("y"), t->text, size, a);
    CAPTURE(t->text);
    CHECK(b.x0 >= 0);
    CHECK(b.y0 >= 0);
    CHECK(b.x1 <= width);
    CHECK(b.y1 <= height);
    for (size_t k = 0; k < boxes.size(); ++k) {
      CAPTURE(texts[k]);
      CHECK_FALSE(overlaps(boxes[k], b));
    }
    boxes.push_back(b);
    texts.push_back(t->text);
  }
}

}  // namespace hess::test
