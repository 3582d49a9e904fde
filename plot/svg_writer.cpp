#include "plot/svg_writer.h"

#include <cmath>
#include <cstdio>

namespace hess::plot {

std::string num(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

PathData& PathData::to(char command, double v) {
  d_ += command;
  d_ += num(v);
  return *this;
}

PathData& PathData::to(char command, double x, double y) {
  d_ += command;
  d_ += num(x);
  d_ += ' ';
  d_ += num(y);
  return *this;
}

void append_point(std::string& points, double x, double y) {
  if (!points.empty()) points += ' ';
  points += num(x);
  points += ',';
  points += num(y);
}

SvgWriter::SvgWriter(double width, double height) {
  out_ = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width) + "\" height=\"" +
         num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
         "\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n";
  open_.push_back("svg");
}

void SvgWriter::attrs_text(const Attrs& attrs) {
  for (const auto& [k, v] : attrs) {
    out_ += ' ';
    out_ += k;
    out_ += "=\"";
    out_ += escape(v);
    out_ += '"';
  }
}

SvgWriter& SvgWriter::open(const std::string& tag, const Attrs& attrs) {
  out_ += '<';
  out_ += tag;
  attrs_text(attrs);
  out_ += ">\n";
  open_.push_back(tag);
  return *this;
}

SvgWriter& SvgWriter::close() {
  if (open_.size() > 1) {
    out_ += "</";
    out_ += open_.back();
    out_ += ">\n";
    open_.pop_back();
  }
  return *this;
}

SvgWriter& SvgWriter::element(const std::string& tag, const Attrs& attrs, const std::string& text) {
  out_ += '<';
  out_ += tag;
  attrs_text(attrs);
  if (text.empty()) {
    out_ += "/>\n";
  } else {
    out_ += '>';
    out_ += escape(text);
    out_ += "</";
    out_ += tag;
    out_ += ">\n";
  }
  return *this;
}

std::string SvgWriter::finish() {
  while (!open_.empty()) {
    out_ += "</";
    out_ += open_.back();
    out_ += ">\n";
    open_.pop_back();
  }
  return std::move(out_);
}

}  // namespace hess::plot
