#include "io/preprocess.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "engine/field_error.h"
#include "engine/random.h"

namespace hess {

namespace {

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// Keeps rows `rows` (ascending) of `d`.
void keep_rows(Dataset& d, const std::vector<int64_t>& rows) {
  const int64_t per = numel(d.sample_shape);
  std::vector<float> x;
  x.reserve(rows.size() * per);
  std::vector<int64_t> labels;
  std::vector<float> targets;
  for (int64_t r : rows) {
    x.insert(x.end(), d.x.begin() + r * per, d.x.begin() + (r + 1) * per);
    if (d.has_labels()) labels.push_back(d.labels[r]);
    if (d.target_dim > 0) {
      targets.insert(targets.end(), d.targets.begin() + r * d.target_dim,
                     d.targets.begin() + (r + 1) * d.target_dim);
    }
  }
  d.x = std::move(x);
  d.labels = std::move(labels);
  d.targets = std::move(targets);
}

std::string select_rows(Dataset& d, const PreprocessOptions& o) {
  const int64_t n = d.size();
  if (o.subset > 0) {
    if (o.subset > n) {
      throw std::invalid_argument("a subset of " + std::to_string(o.subset) +
                                  " samples was asked for, the data has " + std::to_string(n));
    }
    std::vector<int64_t> rows = random_subset(n, o.subset, o.seed);
    std::sort(rows.begin(), rows.end());
    keep_rows(d, rows);
    return "a random subset of " + std::to_string(o.subset) + " of " + std::to_string(n) +
           " samples (seed " + std::to_string(o.seed) + ", file order kept)";
  }
  if (o.limit > 0 && o.limit < n) {
    std::vector<int64_t> rows(o.limit);
    for (int64_t i = 0; i < o.limit; ++i) rows[i] = i;
    keep_rows(d, rows);
    return "the first " + std::to_string(o.limit) + " of " + std::to_string(n) + " samples";
  }
  return "all " + std::to_string(n) + " samples";
}

// Standardizes groups of elements: element e of a sample belongs to group group_of(e).
template <class GroupOf>
void standardize(Dataset& d, int64_t groups, GroupOf group_of) {
  const int64_t per = numel(d.sample_shape), n = d.size();
  std::vector<double> sum(groups, 0.0), count(groups, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t e = 0; e < per; ++e) {
      sum[group_of(e)] += d.x[i * per + e];
      count[group_of(e)] += 1.0;
    }
  }
  std::vector<double> mean(groups), sq(groups, 0.0);
  for (int64_t g = 0; g < groups; ++g) mean[g] = sum[g] / count[g];
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t e = 0; e < per; ++e) {
      const double c = d.x[i * per + e] - mean[group_of(e)];
      sq[group_of(e)] += c * c;
    }
  }
  std::vector<double> inv(groups);
  for (int64_t g = 0; g < groups; ++g) {
    const double sd = std::sqrt(sq[g] / count[g]);
    inv[g] = sd < kConstantStd ? 1.0 : 1.0 / sd;
  }
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t e = 0; e < per; ++e) {
      float& v = d.x[i * per + e];
      v = static_cast<float>((v - mean[group_of(e)]) * inv[group_of(e)]);
    }
  }
}

std::string numbers(const std::vector<double>& v) {
  std::string out = "(";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + number(v[i]);
  return out + ")";
}

// torchvision's Normalize on float32 tensors: (x − mean) / std per channel, in float.
std::string normalize_channels(Dataset& d, const PreprocessOptions& o) {
  const int64_t channels = d.sample_shape.empty() ? 1 : d.sample_shape[0];
  const int64_t given = static_cast<int64_t>(o.channel_mean.size());
  if (given != 1 && given != channels) {
    throw FieldError("channel_mean", "has " + std::to_string(given) + " values; samples of shape " +
                                         to_string(d.sample_shape) + " have " +
                                         std::to_string(channels) +
                                         " channels (their first axis): give " +
                                         std::to_string(channels) + " values, or one for all");
  }
  const int64_t per_channel = numel(d.sample_shape) / (given == 1 ? 1 : channels);
  const int64_t groups = given, n = d.size();
  std::vector<float> mean(groups), sd(groups);
  for (int64_t c = 0; c < groups; ++c) {
    mean[c] = static_cast<float>(o.channel_mean[c]);
    sd[c] = static_cast<float>(o.channel_std[c]);
  }
  const int64_t per = numel(d.sample_shape);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t e = 0; e < per; ++e) {
      const int64_t c = given == 1 ? 0 : e / per_channel;
      float& v = d.x[i * per + e];
      v = (v - mean[c]) / sd[c];
    }
  }
  return "normalized as torchvision's Normalize, (x - mean) / std " +
         std::string(given == 1 ? "over all values" : "per channel (first axis of a sample)") +
         " with mean " + numbers(o.channel_mean) + " and std " + numbers(o.channel_std);
}

}  // namespace

void PreprocessOptions::validate() const {
  require_at_least("limit", limit, int64_t{0}, "(0: all)");
  require_at_least("subset", subset, int64_t{0}, "(0: all)");
  if (limit > 0 && subset > 0) throw FieldError("give", "a limit or a subset, not both");
  if (!std::isfinite(scale) || scale <= 0)
    throw FieldError("scale", "must be positive, got " + number(scale));
  if (channel_mean.size() != channel_std.size()) {
    throw FieldError("channel_std", "has " + std::to_string(channel_std.size()) +
                                        " values, {channel_mean} " +
                                        std::to_string(channel_mean.size()) + ": give both, alike");
  }
  for (double m : channel_mean) {
    if (!std::isfinite(m)) throw FieldError("channel_mean", "must be finite, got " + number(m));
  }
  for (double v : channel_std) require_positive_finite("channel_std", v);
  if (!channel_mean.empty() && normalize != Standardization::None)
    throw FieldError("channel_mean", "and {normalize} both normalize: give one");
  for (int64_t e : sample_shape) {
    if (e <= 0)
      throw FieldError("sample", "shape " + to_string(sample_shape) + " has a non-positive extent");
  }
}

std::string preprocess(Dataset& d, const PreprocessOptions& o, const std::string& value_range) {
  o.validate();
  std::vector<std::string> notes;
  notes.push_back(select_rows(d, o));
  if (!o.sample_shape.empty() && o.sample_shape != d.sample_shape) {
    if (numel(o.sample_shape) != numel(d.sample_shape)) {
      throw std::invalid_argument("samples of " + to_string(d.sample_shape) + " (" +
                                  std::to_string(numel(d.sample_shape)) +
                                  " values) cannot be viewed as " + to_string(o.sample_shape) +
                                  " (" + std::to_string(numel(o.sample_shape)) + ")");
    }
    notes.push_back("samples reshaped from " + to_string(d.sample_shape) + " to " +
                    to_string(o.sample_shape));
    d.sample_shape = o.sample_shape;
  }
  if (o.scale != 1.0) {
    // float32 division, as torchvision's ToTensor divides by 255.
    const float divisor = static_cast<float>(o.scale);
    for (float& v : d.x) v /= divisor;
    notes.push_back((value_range.empty() ? std::string("values") : value_range) + " divided by " +
                    number(o.scale));
  } else if (!value_range.empty()) {
    notes.push_back(value_range + " kept as they are");
  }
  const std::string over = " over the " + std::to_string(d.size()) +
                           " imported samples (population variance; constant ones only centred)";
  if (o.normalize == Standardization::Feature) {
    standardize(d, numel(d.sample_shape), [](int64_t e) { return e; });
    notes.push_back("standardized per feature: every element of a sample to mean 0 and variance 1" +
                    over);
  } else if (o.normalize == Standardization::Channel) {
    const int64_t channels = d.sample_shape.empty() ? 1 : d.sample_shape[0];
    const int64_t per_channel = numel(d.sample_shape) / channels;
    standardize(d, channels, [per_channel](int64_t e) { return e / per_channel; });
    notes.push_back("standardized per channel (first axis of a sample) to mean 0 and variance 1" +
                    over);
  }
  if (!o.channel_mean.empty()) notes.push_back(normalize_channels(d, o));
  std::string out;
  for (const std::string& n : notes) out += (out.empty() ? "" : "; ") + n;
  return out;
}

}  // namespace hess
