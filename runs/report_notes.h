#pragma once
// What `hessian report`'s numbers say, in words beside its table (stdout, report.md, the JSON's
// `notes`): each sentence quotes the values it is derived from, so it can be checked against them.
//
//   std::vector<std::string> notes = hess::runs::report_notes(figures);
//   // "λmax = 0.388 is 24.6 % of the trace 1.58: tr/λmax = 4.07, ..."

#include <cstdint>
#include <string>
#include <vector>

#include "analyzers/trace.h"

namespace hess::runs {

// The numbers the notes read.
struct ReportFigures {
  double lambda_max = 0;  // eigen's largest eigenvalue
  double trace = 0;       // the total trace
  int64_t parameters = 0;
  double node_min = 0, node_max = 0, max_over_min = 0;  // the density's extreme SLQ nodes
  double negative_mass_beyond = 0, negative_mass_beyond_stderr = 0;
  double negative_mass_below_zero = 0;
  double negative_threshold = 0;
  std::vector<GroupTrace> layers;  // per-layer traces
};

// Significant digits of the numbers quoted in the notes.
constexpr int kNoteDigits = 3;

// One sentence each: how concentrated the curvature is (λmax against the trace), how convex the
// loss is (λmax/|λmin|), how much of the spectrum is negative, and each layer's share of the
// summed layer traces against its share of the parameters.
std::vector<std::string> report_notes(const ReportFigures& f);

}  // namespace hess::runs
