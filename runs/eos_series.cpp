#include "runs/eos_series.h"

#include <algorithm>
#include <limits>

#include "analyzers/stability_threshold.h"
#include "engine/field_error.h"

namespace hess::runs {

namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
constexpr int kRatioDigits = 4;

}  // namespace

int64_t eos_samples(int64_t requested, int64_t available, const std::string& field) {
  if (requested < 0) throw FieldError(field, "must be positive (0: the default)");
  if (requested > available) {
    throw FieldError(field, "(" + std::to_string(requested) + ") exceeds the " +
                                std::to_string(available) + " training samples");
  }
  return requested > 0 ? requested : std::min(available, kDefaultEosSamples);
}

EosSeries EosSeries::start(const OptimizerOptions& optimizer, int64_t k, int64_t samples) {
  EosSeries s;
  s.optimizer = std::string(name_of(optimizer.kind));
  s.threshold_rule = hess::threshold_rule(optimizer.kind);
  s.preconditioned = hess::is_preconditioned(optimizer.kind);
  s.samples = samples;
  s.k = k;
  return s;
}

void EosSeries::append(const EosMeasurement& m) {
  step.push_back(m.step);
  hvps.push_back(m.hvps);
  std::vector<double> values(k, kMissing);
  for (Eigen::Index j = 0; j < m.eigenvalues.size() && j < k; ++j) values[j] = m.eigenvalues(j);
  eigenvalues.push_back(std::move(values));
  threshold.push_back(m.threshold);
  loss.push_back(m.loss);
  grad_overlap.push_back(m.grad_overlap);
  alpha.push_back(m.alpha);
  beta.push_back(m.beta);
}

void EosSeries::keep_until(int64_t last) {
  const size_t n = std::upper_bound(step.begin(), step.end(), last) - step.begin();
  step.resize(n);
  hvps.resize(n);
  eigenvalues.resize(n);
  threshold.resize(n);
  loss.resize(n);
  grad_overlap.resize(n);
  alpha.resize(n);
  beta.resize(n);
}

std::vector<EosSample> EosSeries::samples_to_derive() const {
  std::vector<EosSample> out(size());
  for (size_t i = 0; i < size(); ++i) {
    out[i].step = step[i];
    out[i].sharpness = eigenvalues[i].empty() ? kMissing : eigenvalues[i][0];
    out[i].threshold = threshold[i];
    out[i].loss = loss[i];
  }
  return out;
}

int64_t EosSeries::total_hvps() const {
  int64_t n = 0;
  for (int64_t h : hvps) n += h;
  return n;
}

void describe_eos_settings(Record& rec, const EosSeries& s) {
  rec.add("optimizer", s.optimizer);
  rec.add("threshold_rule", s.threshold_rule);
  rec.add("preconditioned", s.preconditioned);
  rec.add("samples", s.samples);
  rec.add("k", s.k);
}

void describe_eos_series(Record& rec, const EosSeries& s, const std::string& table,
                         unsigned channels) {
  std::vector<double> lambda1, ratio;
  for (size_t i = 0; i < s.size(); ++i) {
    lambda1.push_back(s.eigenvalues[i].empty() ? kMissing : s.eigenvalues[i][0]);
    ratio.push_back(lambda1.back() / s.threshold[i]);
  }
  Rows& rows = rec.rows(table).only(channels);
  rows.column("step", "step", "step", s.step)
      .column("eigenvalues", "eigenvalues", "", s.eigenvalues, 10)
      .column("", "", "lambda_1", lambda1, 8)
      .column("threshold", "threshold", "threshold", s.threshold, 8)
      .column("", "", "ratio", ratio, kRatioDigits)
      .column("loss", "loss", "loss", s.loss, 8)
      .column("hvps", "hvps", "hvps", s.hvps)
      .column("grad_overlap", "grad_overlap", "overlap", s.grad_overlap, kRatioDigits)
      .column("alpha", "alpha", "alpha", s.alpha, kRatioDigits)
      .column("beta", "beta", "beta", s.beta, kRatioDigits);

  const EosSummary d = s.summary();
  if (d.onset_step) {
    rec.add("onset_step", *d.onset_step).show("onset step");
  } else {
    rec.add("onset_step", Null{}).show("onset step", 6, "lambda_1 stayed below the threshold");
  }
  rec.add("sharpening_rate", d.sharpening_rate)
      .show("sharpening rate", 6, "d lambda_1 / d step before onset");
  rec.add("measurements_after_onset", d.measurements_after_onset);
  rec.add("eos_fraction", d.eos_fraction)
      .show("EoS fraction", kRatioDigits, "within 10% of the threshold after onset");
  rec.add("median_ratio_after_onset", d.median_ratio_after_onset)
      .show("median ratio", kRatioDigits, "lambda_1 / threshold after onset");
  rec.add("max_ratio", d.max_ratio).show("max ratio", kRatioDigits);
  rec.add("loss_increases_after_onset", d.loss_increases_after_onset)
      .show("loss increases", 6, "after onset");
}

EosSeries read_eos_series(const h5::Group& g) {
  EosSeries s;
  s.optimizer = g.string_attr("optimizer");
  s.threshold_rule = g.string_attr("threshold_rule");
  s.preconditioned = g.int_attr("preconditioned") != 0;
  s.samples = g.int_attr("samples");
  s.k = g.int_attr("k");
  s.step = g.dataset("step").read<int64_t>();
  const size_t n = s.step.size();
  auto reals = [&](const char* name) {
    const h5::Dataset d = g.dataset(name);
    std::vector<double> v = d.read<double>();
    if (v.size() != n)
      d.fail("has " + std::to_string(v.size()) + " rows, step " + std::to_string(n));
    return v;
  };
  s.hvps = g.dataset("hvps").read<int64_t>();
  if (s.hvps.size() != n) g.dataset("hvps").fail("has another length than step");
  s.threshold = reals("threshold");
  s.loss = reals("loss");
  s.grad_overlap = reals("grad_overlap");
  s.alpha = reals("alpha");
  s.beta = reals("beta");
  const h5::Dataset e = g.dataset("eigenvalues");
  const std::vector<double> flat = e.read<double>();
  if (e.shape() != std::vector<int64_t>{static_cast<int64_t>(n), s.k})
    e.fail("must be " + std::to_string(n) + " x " + std::to_string(s.k));
  for (size_t i = 0; i < n; ++i)
    s.eigenvalues.emplace_back(flat.begin() + i * s.k, flat.begin() + (i + 1) * s.k);
  return s;
}

}  // namespace hess::runs
