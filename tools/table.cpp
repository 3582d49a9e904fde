#include "tools/table.h"

#include <algorithm>
#include <cstdio>

namespace hess::cli {

std::string Table::str() const {
  std::vector<size_t> w(header_.size(), 0);
  auto widen = [&w](const std::vector<std::string>& r) {
    if (r.size() > w.size()) w.resize(r.size(), 0);
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  };
  widen(header_);
  for (const auto& r : rows_) widen(r);
  auto line = [&w](const std::vector<std::string>& r) {
    std::string s;
    for (size_t i = 0; i < r.size(); ++i) {
      s += r[i];
      if (i + 1 < r.size()) s += std::string(w[i] - r[i].size() + 2, ' ');
    }
    return s + "\n";
  };
  std::string out = line(header_);
  size_t total = 0;
  for (size_t i = 0; i < w.size(); ++i) total += w[i] + (i + 1 < w.size() ? 2 : 0);
  out += std::string(total, '-') + "\n";
  for (const auto& r : rows_) out += line(r);
  return out;
}

}  // namespace hess::cli
