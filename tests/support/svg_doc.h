#pragma once
// An SVG (or any XML) document parsed by expat into a flat list of elements, for tests that check
// where figures put things. A malformed document fails the parse (doctest FAIL).
//
//   SvgDoc doc(svg_text);
//   for (const SvgElement* t : doc.with_class("ticklabel")) ...
//   double x = t->number("x");

#include <map>
#include <string>
#include <vector>

namespace hess::test {

struct SvgElement {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string text;  // character data directly inside
  int parent = -1;   // index in SvgDoc::elements, -1 for the root

  std::string attr(const std::string& key) const;
  double number(const std::string& key) const;  // the attribute read with strtod; FAIL when absent
  bool has_class(const std::string& cls) const;
};

class SvgDoc {
 public:
  explicit SvgDoc(const std::string& xml);
  std::vector<SvgElement> elements;
  std::vector<const SvgElement*> named(const std::string& name) const;
  std::vector<const SvgElement*> with_class(const std::string& cls) const;
  // Elements whose parent has class `parent_cls` and that are named `name`.
  std::vector<const SvgElement*> children_of_class(const std::string& parent_cls,
                                                   const std::string& name) const;
  const SvgElement* parent(const SvgElement& e) const {
    return e.parent < 0 ? nullptr : &elements[static_cast<size_t>(e.parent)];
  }
};

// The numbers in an SVG path's data or a polyline's points, as (x, y) pairs: every command's
// coordinates (M, L, with H and V expanded from the current point). Z and letters are skipped.
std::vector<std::pair<double, double>> path_points(const std::string& d);
// The subpaths of path data (split at each M), each its points.
std::vector<std::vector<std::pair<double, double>>> path_subpaths(const std::string& d);

}  // namespace hess::test
