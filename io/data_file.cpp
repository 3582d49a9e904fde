#include "io/data_file.h"

#include <cmath>
#include <stdexcept>

#include "io/atomic_output.h"
#include "io/dataset_bytes.h"
#include "io/isolated_read.h"

namespace hess {

namespace {

void check_consistent(const Dataset& d) {
  const int64_t per = numel(d.sample_shape);
  if (per <= 0 || static_cast<int64_t>(d.num_values()) % per != 0) {
    throw std::invalid_argument("X holds " + std::to_string(d.num_values()) +
                                " values, not a whole number of samples of " +
                                to_string(d.sample_shape));
  }
  const int64_t n = d.size();
  if (d.has_labels() == !d.targets.empty())
    throw std::invalid_argument("a data set needs either labels or targets");
  if (d.has_labels() && static_cast<int64_t>(d.labels.size()) != n) {
    throw std::invalid_argument(std::to_string(d.labels.size()) + " labels for " +
                                std::to_string(n) + " samples");
  }
  if (!d.targets.empty() &&
      (d.target_dim <= 0 || static_cast<int64_t>(d.targets.size()) != n * d.target_dim)) {
    throw std::invalid_argument(std::to_string(d.targets.size()) + " targets for " +
                                std::to_string(n) + " samples of " + std::to_string(d.target_dim));
  }
}

std::string sample_of(size_t flat, int64_t per) {
  return std::to_string(static_cast<int64_t>(flat) / per);
}

}  // namespace

void write_data_group(h5::Group& root, const Dataset& data, const DataProvenance& provenance) {
  check_consistent(data);
  root.set_attr("format", kDataFormat);
  root.set_attr("version", kDataFormatVersion);
  root.set_attr("source", provenance.source);
  root.set_attr("preprocessing", provenance.preprocessing);
  Shape xs{data.size()};
  xs.insert(xs.end(), data.sample_shape.begin(), data.sample_shape.end());
  root.create_dataset<float>("X", xs, data.values());
  if (data.has_labels()) {
    root.create_dataset<int64_t>("y", {data.size()}, data.labels.data());
  } else {
    root.create_dataset<float>("y", {data.size(), data.target_dim}, data.targets.data());
  }
}

void write_data(const std::string& path, const Dataset& data, const DataProvenance& provenance) {
  check_consistent(data);
  AtomicOutput out(path, OutputKind::hdf5_file(kDataFormat));
  {
    h5::File f = h5::File::create(out.partial_path());
    write_data_group(f, data, provenance);
    f.close();
  }
  out.commit();
}

DataFile read_data_group(const h5::Group& root) {
  if (!root.has_attr("format")) {
    root.fail("not a data file (no 'format' attribute; expected \"" + std::string(kDataFormat) +
              "\")");
  }
  const std::string format = root.string_attr("format");
  if (format != kDataFormat)
    root.fail("is a '" + format + "' file, not a data file (format \"" + kDataFormat + "\")");
  const int64_t version = root.int_attr("version");
  if (version != kDataFormatVersion) {
    root.fail("unknown data format version " + std::to_string(version) + " (this engine reads " +
              std::to_string(kDataFormatVersion) + ")");
  }
  DataFile out;
  if (root.has_attr("source")) out.provenance.source = root.string_attr("source");
  if (root.has_attr("preprocessing"))
    out.provenance.preprocessing = root.string_attr("preprocessing");

  const h5::Dataset X = root.dataset("X");
  const h5::Dataset y = root.dataset("y");
  const Shape xs = X.shape(), ys = y.shape();
  const h5::DType xt = X.dtype(), yt = y.dtype();
  if (xt.cls != h5::DType::Float) root.fail("X has dtype " + xt.name() + ", expected float32");
  if (xs.empty()) root.fail("X is a scalar; expected [N, sample...]");
  const int64_t n = xs[0];
  if (n == 0) root.fail("X holds no samples");
  if (ys.empty() || ys[0] != n) {
    root.fail("y has shape " + to_string(ys) + " but X holds " + std::to_string(n) + " samples");
  }
  Dataset& d = out.data;
  d.sample_shape.assign(xs.begin() + 1, xs.end());
  const bool labels = yt.cls == h5::DType::Int || yt.cls == h5::DType::UInt;
  if (labels && ys.size() != 1) {
    root.fail("y holds integers of shape " + to_string(ys) + "; class labels are [N]");
  } else if (!labels && yt.cls != h5::DType::Float) {
    root.fail("y has dtype " + yt.name() + "; expected int64 labels [N] or float32 targets [N, k]");
  } else if (!labels && ys.size() != 2) {
    root.fail("y holds reals of shape " + to_string(ys) +
              "; real targets are [N, k] (class labels are integers)");
  }
  if (labels) {
    d.labels = y.read<int64_t>();
    for (size_t i = 0; i < d.labels.size(); ++i) {
      if (d.labels[i] < 0)
        root.fail("y holds the negative label " + std::to_string(d.labels[i]) + " in sample " +
                  std::to_string(i));
    }
  } else {
    if (ys[1] == 0) root.fail("y has shape " + to_string(ys) + "; targets need k > 0");
    d.target_dim = ys[1];
    d.targets = y.read<float>();
    for (size_t i = 0; i < d.targets.size(); ++i) {
      if (!std::isfinite(d.targets[i]))
        root.fail("y holds a non-finite target in sample " + sample_of(i, d.target_dim));
    }
  }
  const int64_t per = numel(d.sample_shape);
  if (per == 0) root.fail("X has shape " + to_string(xs) + ": samples of no elements");
  d.x = X.read<float>();
  for (size_t i = 0; i < d.x.size(); ++i) {
    if (!std::isfinite(d.x[i])) {
      root.fail(std::string("X holds ") + (std::isnan(d.x[i]) ? "NaN" : "Inf") + " in sample " +
                sample_of(i, per));
    }
  }
  return out;
}

DataFile read_data_file(const std::string& path) {
  const std::string bytes = run_isolated(
      path, [&] { return pack_data(read_data_group(h5::File::open_read(path))); },
      isolation_time_limit(path));
  return unpack_data(bytes, path);
}

Dataset read_data(const std::string& path) {
  return read_data_file(path).data;
}

}  // namespace hess
