#pragma once
// `hessian plot` as a library call: the figures of every plottable group of result files and
// training logs, read through io/ (never recomputed), as one self-contained HTML page, SVG files
// and/or PNG files (through Debian's rsvg-convert). Reading happens in a child process
// (io/isolated_read.h), so a damaged or hostile file gives an error naming it, never a crash.
// Everything is read and rendered before anything is written; each output file is written
// atomically.

#include <string>
#include <vector>

#include "io/record.h"
#include "runs/group_figures.h"
#include "runs/html_report.h"

namespace hess::runs {

constexpr const char* kDefaultPlotHtml = "plots.html";

struct PlotRun {
  std::vector<std::string> files;   // result files and training logs
  std::string html;                 // the HTML page; kDefaultPlotHtml when no output is given
  std::string svg_dir;              // one SVG per figure, named by its id
  std::string png_dir;              // one PNG per figure (rsvg-convert)
  std::vector<std::string> groups;  // only these group kinds (plottable_names()); empty: all
  PlotStyle style;

  // FieldError naming `files` or `groups`.
  void validate() const;
};

// The figures of one file's plottable groups (those in `groups`, all when empty), read in a child
// process. FileError naming the file when it cannot be read, is neither a result file nor a
// training log, or holds no plottable group (the message lists the groups it holds).
std::vector<GroupFigures> collect_figures(const std::string& file,
                                          const std::vector<std::string>& groups,
                                          const PlotStyle& style);

// Writes the HTML page of `report` to `path` atomically.
void write_html(const std::string& path, const HtmlReport& report);

Record plot(const PlotRun& run);

}  // namespace hess::runs
