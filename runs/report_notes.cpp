#include "runs/report_notes.h"

#include <cmath>

#include "engine/number_format.h"

namespace hess::runs {

namespace {

constexpr double kPercent = 100.0;
// λmax/|λmin| at or above this: the negative curvature is small beside the positive.
constexpr double kNearlyConvexRatio = 10.0;
// tr/λmax below this fraction of the parameters: the curvature sits in a few directions.
constexpr double kFewDirections = 0.01;
constexpr double kGroupedFrom = 1e3, kGroupedBelow = 1e15;

// Numbers as quoted: kNoteDigits significant digits, whole numbers from 1,000 on grouped.
std::string num(double v) {
  if (std::abs(v) >= kGroupedFrom && std::abs(v) < kGroupedBelow) return grouped(std::llround(v));
  return significant(v, kNoteDigits);
}
std::string percent(double fraction) {
  return num(kPercent * fraction) + " %";
}

std::string concentration(const ReportFigures& f) {
  if (!(f.trace > 0) || !(f.lambda_max > 0)) {
    return "λmax = " + num(f.lambda_max) + " and the trace " + num(f.trace) +
           " are not both positive: negative curvature outweighs positive at this point.";
  }
  const double rank = f.trace / f.lambda_max;
  const bool few = rank < kFewDirections * static_cast<double>(f.parameters);
  return "λmax = " + num(f.lambda_max) + " is " + percent(f.lambda_max / f.trace) +
         " of the trace " + num(f.trace) + ": tr/λmax = " + num(rank) +
         ", the trace is worth that many eigenvalues as large as λmax, so the curvature is " +
         (few ? "concentrated in a few" : "spread over many") + " of the " + grouped(f.parameters) +
         " directions.";
}

std::string convexity(const ReportFigures& f) {
  if (f.node_min >= 0) {
    return "λmin = " + num(f.node_min) +
           " ≥ 0 (smallest SLQ node): no negative curvature found, the loss is locally convex "
           "along every direction the density resolved.";
  }
  std::string s = "λmax/|λmin| = " + num(f.max_over_min) + " (SLQ nodes λmax = " + num(f.node_max) +
                  ", λmin = " + num(f.node_min) + "): ";
  if (f.max_over_min >= kNearlyConvexRatio) {
    s += "the steepest downward curvature is " + num(f.max_over_min) +
         " times weaker than the steepest upward one, so the loss is nearly convex here; its "
         "negative directions are shallow.";
  } else {
    s += "downward and upward curvature are of comparable size, so θ sits near a saddle, not a "
         "minimum.";
  }
  return s;
}

std::string negative_mass(const ReportFigures& f) {
  const std::string cut =
      "below -" + num(f.negative_threshold) + "·λmax = " + num(-f.negative_threshold * f.node_max);
  std::string s = "Negative spectral mass " + num(f.negative_mass_beyond) + " ± " +
                  num(f.negative_mass_beyond_stderr) + ": ";
  if (f.negative_mass_beyond > 0) {
    s += "about " + grouped(std::llround(f.negative_mass_beyond * f.parameters)) + " of the " +
         grouped(f.parameters) + " eigenvalues lie " + cut;
  } else {
    s += "no eigenvalue found " + cut;
  }
  if (f.negative_mass_below_zero != f.negative_mass_beyond) {
    s += "; counting every eigenvalue below 0 gives " + num(f.negative_mass_below_zero) +
         ", the difference being the near-zero bulk SLQ places on either side of 0";
  }
  return s + ".";
}

std::string layer_shares(const ReportFigures& f) {
  double sum = 0;
  bool positive = true;
  for (const GroupTrace& l : f.layers) {
    sum += l.trace;
    positive = positive && l.trace > 0;
  }
  std::string s = "Per-layer traces";
  if (!positive || !(sum > 0)) {
    s += " (not all positive, so no shares):";
    for (const GroupTrace& l : f.layers) s += " " + l.name + " " + num(l.trace) + ";";
    s.back() = '.';
    return s;
  }
  s += ", as shares of their sum " + num(sum) + " (and of the parameters):";
  for (const GroupTrace& l : f.layers) {
    s += " " + l.name + " " + percent(l.trace / sum) + " (" +
         percent(static_cast<double>(l.size) / static_cast<double>(f.parameters)) + ");";
  }
  s.back() = '.';
  return s;
}

}  // namespace

std::vector<std::string> report_notes(const ReportFigures& f) {
  std::vector<std::string> notes = {concentration(f), convexity(f), negative_mass(f)};
  if (!f.layers.empty()) notes.push_back(layer_shares(f));
  return notes;
}

}  // namespace hess::runs
