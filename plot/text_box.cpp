#include "plot/text_box.h"

#include <cctype>

namespace hess::plot {

namespace {

constexpr double kAscent = 0.8;    // of the font size, above the baseline
constexpr double kDescent = 0.25;  // below it
constexpr double kNarrow = 0.4;    // em: spaces, punctuation, i l j t f r
constexpr double kNormal = 0.64;   // digits, most lower-case letters, Greek
constexpr double kWide = 0.86;     // upper case, m, w

double advance(unsigned char c) {
  if (c == ' ' || c == '.' || c == ',' || c == ':' || c == ';' || c == '\'' || c == '|' ||
      c == '!' || c == 'i' || c == 'l' || c == 'j' || c == 't' || c == 'f' || c == 'r' ||
      c == '(' || c == ')' || c == '[' || c == ']')
    return kNarrow;
  if (std::isupper(c) || c == 'm' || c == 'w' || c == '%' || c == '@') return kWide;
  return kNormal;
}

}  // namespace

double text_width(const std::string& text, double size) {
  double w = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte
    w += c < 0x80 ? advance(c) : kWide;
  }
  return w * size;
}

Box text_box(double x, double baseline, const std::string& text, double size, Anchor anchor) {
  const double w = text_width(text, size);
  const double x0 = anchor == Anchor::Start ? x : anchor == Anchor::Middle ? x - w / 2 : x - w;
  return {x0, baseline - kAscent * size, x0 + w, baseline + kDescent * size};
}

Box rotated_text_box(double x, double baseline, const std::string& text, double size,
                     Anchor anchor) {
  const double w = text_width(text, size);
  // reading upwards: the text runs from y = baseline (Start) towards smaller y
  const double y1 = anchor == Anchor::Start    ? baseline
                    : anchor == Anchor::Middle ? baseline + w / 2
                                               : baseline + w;
  return {x - kAscent * size, y1 - w, x + kDescent * size, y1};
}

bool overlaps(const Box& a, const Box& b) {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

bool inside(const Box& inner, const Box& outer) {
  return inner.x0 >= outer.x0 && inner.x1 <= outer.x1 && inner.y0 >= outer.y0 &&
         inner.y1 <= outer.y1;
}

std::string anchor_name(Anchor a) {
  return a == Anchor::Start ? "start" : a == Anchor::Middle ? "middle" : "end";
}

bool Placer::is_free(const Box& b) const {
  for (const Box& t : taken_)
    if (overlaps(t, b)) return false;
  return true;
}

}  // namespace hess::plot
