#pragma once
// One self-contained HTML page of figures: inline SVG and CSS, no script, no external URL. A
// summary table, then per group its figures, each with a plain-words reading, and the group's
// metadata (model, data, SHA-256, precision, seed, products, seconds).

#include <string>
#include <vector>

#include "runs/group_figures.h"

namespace hess::runs {

struct HtmlReport {
  std::string title = "Curvature report";
  std::vector<std::string> sources;  // the files the figures came from
  std::vector<SummaryLine> summary;  // empty: the groups' own summary lines
  std::vector<GroupFigures> groups;
};

std::string render_html(const HtmlReport& report);

}  // namespace hess::runs
