#pragma once
// An edge-of-stability series (analyzers/eos.h) as the runs record it: the rows of its measurements
// and what they were measured against, described once (io/record.h) for the group /sharpness of a
// training log (`hessian train --sharpness-every`), the group /eos of a result file (`hessian eos
// --along`) and the JSON of both commands (docs/formats.md); read back from such a group to
// continue a series.
//
//   hess::runs::EosSeries s = hess::runs::EosSeries::start(optimizer, k, samples);
//   s.append(tracker.measure(theta, trainer.optimizer()));
//   hess::Record r;
//   hess::runs::describe_eos_settings(r, s);       // optimizer, threshold_rule, preconditioned,
//   ... hess::runs::describe_eos_series(r, s, "series", kJson | kDataset | kText);   // rows +
//   derived log.write_sharpness(r);

#include <cstdint>
#include <string>
#include <vector>

#include "analyzers/eos.h"
#include "engine/optimizer.h"
#include "io/hdf5_file.h"
#include "io/record.h"

namespace hess::runs {

// The analysis set of a series by default: the first min(N, this) training samples.
inline constexpr int64_t kDefaultEosSamples = 5000;
// M for `requested` (0: the default) of `available` training samples; throws FieldError(`field`)
// for a negative request or one beyond what there is.
int64_t eos_samples(int64_t requested, int64_t available, const std::string& field);

struct EosSeries {
  std::string optimizer;       // the optimizer's name
  std::string threshold_rule;  // the threshold's formula (analyzers/stability_threshold.h)
  bool preconditioned = false;
  int64_t samples = 0;  // M: the analysis set, the first M training samples
  int64_t k = 1;        // eigenvalues per measurement

  std::vector<int64_t> step, hvps;
  std::vector<std::vector<double>> eigenvalues;  // k per row, descending; NaN when it failed
  std::vector<double> threshold, loss, grad_overlap, alpha, beta;

  static EosSeries start(const OptimizerOptions& optimizer, int64_t k, int64_t samples);
  size_t size() const { return step.size(); }
  void append(const EosMeasurement& m);
  // Drops the rows after step `last`.
  void keep_until(int64_t last);
  // What analyzers/eos.h `derive` reads.
  std::vector<EosSample> samples_to_derive() const;
  EosSummary summary() const { return derive(samples_to_derive()); }
  int64_t total_hvps() const;
};

// optimizer, threshold_rule, preconditioned (0/1), samples, k: JSON keys and attributes.
void describe_eos_settings(Record& rec, const EosSeries& s);
// The rows as a table `table` (datasets step, eigenvalues [n, k], threshold, loss, hvps,
// grad_overlap, alpha, beta; sent to `channels`) and the derived quantities of analyzers/eos.h
// (onset_step, null without onset; sharpening_rate, measurements_after_onset, eos_fraction,
// median_ratio_after_onset, max_ratio, loss_increases_after_onset): JSON keys, attributes and rows
// of the printed table.
void describe_eos_series(Record& rec, const EosSeries& s, const std::string& table,
                         unsigned channels);

// The series stored in a group written from those two descriptions. Throws FileError naming the
// group when a dataset is missing or of another length.
EosSeries read_eos_series(const h5::Group& g);

}  // namespace hess::runs
