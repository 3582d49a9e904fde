#pragma once
// SVG text written one element at a time, deterministically: attributes in the order given,
// numbers in one fixed format (num), text escaped. Same calls, same bytes.
//
//   hess::plot::SvgWriter svg(640, 420);
//   svg.element("line", {{"x1", num(0)}, {"y1", num(1)}, {"x2", num(5)}, {"y2", num(1)}});
//   svg.open("g", {{"class", "xtick"}});  ...  svg.close();
//   std::string text = svg.finish();

#include <string>
#include <utility>
#include <vector>

namespace hess::plot {

using Attrs = std::vector<std::pair<std::string, std::string>>;

// A coordinate or length in SVG user units: at most two decimals, trailing zeros dropped, never
// "-0" ("12.5", "3", "-0.25").
std::string num(double v);
// Text for an SVG/HTML text node or attribute: & < > " escaped.
std::string escape(const std::string& text);

// Path data ("M1 2L3 4Z") built command by command.
class PathData {
 public:
  PathData& to(char command, double v);            // "V12"
  PathData& to(char command, double x, double y);  // "M1 2"
  PathData& close() {
    d_ += 'Z';
    return *this;
  }
  const std::string& str() const { return d_; }
  bool empty() const { return d_.empty(); }

 private:
  std::string d_;
};

// "x,y" pairs for a polyline's points.
void append_point(std::string& points, double x, double y);

class SvgWriter {
 public:
  SvgWriter(double width, double height);
  // <tag attrs> ... until close().
  SvgWriter& open(const std::string& tag, const Attrs& attrs = {});
  SvgWriter& close();
  // <tag attrs/> or <tag attrs>text</tag>.
  SvgWriter& element(const std::string& tag, const Attrs& attrs, const std::string& text = "");
  // The document, every open element closed.
  std::string finish();

 private:
  void attrs_text(const Attrs& attrs);
  std::string out_;
  std::vector<std::string> open_;
};

}  // namespace hess::plot
