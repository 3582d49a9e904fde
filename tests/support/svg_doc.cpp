#include "support/svg_doc.h"

#include <doctest/doctest.h>
#include <expat.h>

#include <cctype>
#include <cstdlib>
#include <sstream>

namespace hess::test {

std::string SvgElement::attr(const std::string& key) const {
  const auto it = attrs.find(key);
  return it == attrs.end() ? std::string() : it->second;
}

double SvgElement::number(const std::string& key) const {
  const auto it = attrs.find(key);
  if (it == attrs.end()) FAIL("<" << name << "> has no attribute " << key);
  return std::strtod(it->second.c_str(), nullptr);
}

bool SvgElement::has_class(const std::string& cls) const {
  std::istringstream words(attr("class"));
  std::string w;
  while (words >> w)
    if (w == cls) return true;
  return false;
}

namespace {

struct ParseState {
  SvgDoc* doc;
  std::vector<int> stack;
};

void on_start(void* user, const XML_Char* name, const XML_Char** atts) {
  auto* st = static_cast<ParseState*>(user);
  SvgElement e;
  e.name = name;
  for (int i = 0; atts[i]; i += 2) e.attrs[atts[i]] = atts[i + 1];
  e.parent = st->stack.empty() ? -1 : st->stack.back();
  st->doc->elements.push_back(std::move(e));
  st->stack.push_back(static_cast<int>(st->doc->elements.size()) - 1);
}

void on_end(void* user, const XML_Char*) {
  static_cast<ParseState*>(user)->stack.pop_back();
}

void on_text(void* user, const XML_Char* s, int len) {
  auto* st = static_cast<ParseState*>(user);
  if (!st->stack.empty())
    st->doc->elements[static_cast<size_t>(st->stack.back())].text.append(s,
                                                                         static_cast<size_t>(len));
}

}  // namespace

SvgDoc::SvgDoc(const std::string& xml) {
  XML_Parser p = XML_ParserCreate("UTF-8");
  ParseState st{this, {}};
  XML_SetUserData(p, &st);
  XML_SetElementHandler(p, on_start, on_end);
  XML_SetCharacterDataHandler(p, on_text);
  const bool ok = XML_Parse(p, xml.data(), static_cast<int>(xml.size()), 1) == XML_STATUS_OK;
  std::string err = ok ? "" : XML_ErrorString(XML_GetErrorCode(p));
  const auto line = XML_GetCurrentLineNumber(p);
  XML_ParserFree(p);
  if (!ok) FAIL("not well-formed XML: " << err << " at line " << line);
}

std::vector<const SvgElement*> SvgDoc::named(const std::string& name) const {
  std::vector<const SvgElement*> out;
  for (const SvgElement& e : elements)
    if (e.name == name) out.push_back(&e);
  return out;
}

std::vector<const SvgElement*> SvgDoc::with_class(const std::string& cls) const {
  std::vector<const SvgElement*> out;
  for (const SvgElement& e : elements)
    if (e.has_class(cls)) out.push_back(&e);
  return out;
}

std::vector<const SvgElement*> SvgDoc::children_of_class(const std::string& parent_cls,
                                                         const std::string& name) const {
  std::vector<const SvgElement*> out;
  for (const SvgElement& e : elements)
    if (e.name == name && e.parent >= 0 &&
        elements[static_cast<size_t>(e.parent)].has_class(parent_cls))
      out.push_back(&e);
  return out;
}

std::vector<std::vector<std::pair<double, double>>> path_subpaths(const std::string& d) {
  std::vector<std::vector<std::pair<double, double>>> out;
  double x = 0, y = 0;
  char cmd = 'M';
  const char* s = d.c_str();
  while (*s) {
    if (std::isspace(static_cast<unsigned char>(*s)) || *s == ',') {
      ++s;
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(*s)) && *s != 'e') {
      cmd = *s++;
      if (cmd == 'Z') continue;
      if (cmd == 'M') out.emplace_back();
      continue;
    }
    char* end = nullptr;
    const double a = std::strtod(s, &end);
    s = end;
    if (cmd == 'H') {
      x = a;
    } else if (cmd == 'V') {
      y = a;
    } else {
      while (*s == ' ' || *s == ',') ++s;
      y = std::strtod(s, &end);
      s = end;
      x = a;
    }
    if (out.empty()) out.emplace_back();
    out.back().push_back({x, y});
  }
  return out;
}

std::vector<std::pair<double, double>> path_points(const std::string& d) {
  std::vector<std::pair<double, double>> out;
  for (const auto& sub : path_subpaths(d)) out.insert(out.end(), sub.begin(), sub.end());
  return out;
}

}  // namespace hess::test
