#include "runs/html_report.h"

#include "plot/svg_writer.h"

namespace hess::runs {

namespace {

constexpr const char* kStyle =
    R"(body{font-family:"DejaVu Sans",Arial,sans-serif;margin:2em auto;max-width:1000px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{font-variant-numeric:tabular-nums}
table.meta td{font-size:.85em}table.meta td:last-child{word-break:break-all}
figure{margin:1.2em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.92em;max-width:640px;margin-top:.3em}
.sources{font-size:.9em;color:#555}
)";

std::string h(const std::string& s) {
  return plot::escape(s);
}

void summary_rows(std::string& out, const std::vector<SummaryLine>& lines) {
  for (const SummaryLine& l : lines) {
    out += "<tr><td>";
    out += h(l.quantity);
    out += "</td><td class=\"num\">";
    out += h(l.value);
    out += "</td><td>";
    out += h(l.detail);
    out += "</td></tr>\n";
  }
}

}  // namespace

std::string render_html(const HtmlReport& r) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>";
  out += h(r.title);
  out += "</title>\n<style>\n";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n<h1>";
  out += h(r.title);
  out += "</h1>\n<p class=\"sources\">From ";
  for (size_t i = 0; i < r.sources.size(); ++i) {
    if (i) out += ", ";
    out += "<code>";
    out += h(r.sources[i]);
    out += "</code>";
  }
  out += "; groups:";
  for (const GroupFigures& g : r.groups) {
    out += " <a href=\"#";
    out += h(g.figures.empty() ? g.group : g.figures.front().id);
    out += "\">";
    out += h(g.group);
    out += "</a>";
  }
  out +=
      ".</p>\n<h2>Summary</h2>\n<table class=\"summary\">\n<tr><th>quantity</th><th>value</th>"
      "<th>detail</th></tr>\n";
  if (!r.summary.empty()) {
    summary_rows(out, r.summary);
  } else {
    for (const GroupFigures& g : r.groups) summary_rows(out, g.summary);
  }
  out += "</table>\n";
  for (const GroupFigures& g : r.groups) {
    out += "<section class=\"group\">\n<h2>";
    out += h(g.group);
    if (r.sources.size() > 1) {
      out += " <small>(";
      out += h(g.file);
      out += ")</small>";
    }
    out += "</h2>\n";
    for (const FigureDoc& f : g.figures) {
      out += "<figure id=\"";
      out += h(f.id);
      out += "\">\n";
      out += f.svg;
      out += "<figcaption>";
      out += h(f.reading);
      out += "</figcaption>\n</figure>\n";
    }
    out += "<table class=\"meta\">\n";
    for (const auto& [k, v] : g.metadata) {
      out += "<tr><td>";
      out += h(k);
      out += "</td><td>";
      out += h(v);
      out += "</td></tr>\n";
    }
    out += "</table>\n</section>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace hess::runs
