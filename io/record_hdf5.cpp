#include "io/record_hdf5.h"

#include <algorithm>
#include <limits>

namespace hess {

namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

void write_attr(ResultGroup& g, const Field& f) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Null>) {
          g.attr(f.key, h5::Value(kMissing));
        } else if constexpr (std::is_same_v<T, bool>) {
          g.attr(f.key, h5::Value(int64_t{v}));
        } else if constexpr (std::is_same_v<T, Matrix>) {
          g.attr(f.key, h5::Value(v.values));
        } else {
          g.attr(f.key, h5::Value(v));
        }
      },
      f.value);
}

void write_dataset(ResultGroup& g, const Field& f) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Matrix>) {
          g.write(f.key, v.values.data(), v.shape);
        } else if constexpr (std::is_same_v<T, std::vector<double>> ||
                             std::is_same_v<T, std::vector<int64_t>> ||
                             std::is_same_v<T, std::vector<std::string>>) {
          g.write(f.key, v);
        }
      },
      f.value);
}

template <class T>
void write_rows_2d(ResultGroup& g, const std::string& name,
                   const std::vector<std::vector<T>>& rows) {
  size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.size());
  std::vector<double> flat(rows.size() * width, kMissing);
  for (size_t i = 0; i < rows.size(); ++i)
    std::transform(rows[i].begin(), rows[i].end(), flat.begin() + i * width,
                   [](T x) { return static_cast<double>(x); });
  g.write(name, flat.data(), {static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)});
}

void write_column(ResultGroup& g, const Column& c) {
  std::visit(
      [&](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        if constexpr (std::is_same_v<T, std::vector<double>> ||
                      std::is_same_v<T, std::vector<int64_t>>) {
          write_rows_2d(g, c.dataset, v);
        } else {
          g.write(c.dataset, v);
        }
      },
      c.values);
}

}  // namespace

void write_record(ResultGroup& g, const Record& r) {
  for (const Field& f : r.fields()) {
    if (f.channels & kAttr) write_attr(g, f);
    if (f.channels & kDataset) write_dataset(g, f);
  }
  for (const auto& [key, rows] : r.tables()) {
    if (!(rows.channels() & kDataset)) continue;
    for (const Column& c : rows.columns()) {
      if (!c.dataset.empty()) write_column(g, c);
    }
  }
}

}  // namespace hess
