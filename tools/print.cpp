#include "tools/print.h"

#include <algorithm>
#include <cstdio>

#include "engine/number_format.h"
#include "io/json.h"
#include "tools/table.h"

namespace hess::cli {

namespace {

template <class T>
std::string list_text(const std::vector<T>& v, int digits) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    if constexpr (std::is_same_v<T, double>) {
      s += significant(v[i], digits);
    } else if constexpr (std::is_same_v<T, int64_t>) {
      s += std::to_string(v[i]);
    } else {
      s += v[i];
    }
  }
  return s + "]";
}

std::string value_text(const RecordValue& v, int digits) {
  return std::visit(
      [digits](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Null>) {
          return "-";
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return grouped(x);
        } else if constexpr (std::is_same_v<T, double>) {
          return significant(x, digits);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, Matrix>) {
          return list_text(x.values, digits);
        } else {
          return list_text(x, digits);
        }
      },
      v);
}

std::string cell_text(const Column& c, size_t row) {
  return std::visit(
      [&](const auto& values) -> std::string {
        using T = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<T, double>) {
          return significant(values[row], c.digits);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          return grouped(values[row]);
        } else if constexpr (std::is_same_v<T, std::string>) {
          return values[row];
        } else {
          return list_text(values[row], c.digits);
        }
      },
      c.values);
}

std::string rows_text(const Rows& t) {
  std::vector<const Column*> shown;
  std::vector<std::string> header;
  for (const Column& c : t.columns()) {
    if (c.header.empty()) continue;
    shown.push_back(&c);
    header.push_back(c.header);
  }
  Table table(header);
  for (size_t i = 0; i < t.size(); ++i) {
    std::vector<std::string> cells;
    for (const Column* c : shown) cells.push_back(cell_text(*c, i));
    table.row(std::move(cells));
  }
  return table.str();
}

}  // namespace

std::string text_of(const Record& r) {
  std::string out;
  size_t width = r.head_width;
  for (const Field& f : r.fields()) {
    if (f.channels & kHead) width = std::max(width, (f.label.empty() ? f.key : f.label).size());
  }
  for (const Field& f : r.fields()) {
    if (!(f.channels & kHead)) continue;
    const std::string label = f.label.empty() ? f.key : f.label;
    out +=
        label + std::string(width - label.size() + 2, ' ') + value_text(f.value, f.digits) + "\n";
  }
  for (const auto& [key, rows] : r.tables()) {
    if (!(rows.channels() & kText) || rows.size() == 0) continue;
    if (!out.empty()) out += "\n";
    out += rows_text(rows);
  }
  bool details = false;
  std::vector<const Field*> quantities;
  for (const Field& f : r.fields()) {
    if (!(f.channels & kText)) continue;
    quantities.push_back(&f);
    details = details || !f.detail.empty();
  }
  if (!quantities.empty()) {
    Table t(details ? std::vector<std::string>{"quantity", "value", "detail"}
                    : std::vector<std::string>{"quantity", "value"});
    for (const Field* f : quantities) {
      std::vector<std::string> row = {f->label.empty() ? f->key : f->label,
                                      value_text(f->value, f->digits)};
      if (details) row.push_back(f->detail);
      t.row(std::move(row));
    }
    if (!out.empty()) out += "\n";
    out += t.str();
  }
  for (const Record& c : r.children()) {
    const std::string section = text_of(c);
    if (!section.empty()) out += (out.empty() ? "" : "\n") + section;
  }
  if (!r.footer.empty()) out += (out.empty() ? "" : "\n") + r.footer + "\n";
  return out;
}

void print(const Record& r, const Printing& p) {
  if (p.json) {
    Record summary;  // the command's name first, then the run's record
    summary.add("command", p.command);
    std::printf("%s\n", to_json(summary.merge(r)).dump().c_str());
  } else {
    std::fputs(text_of(r).c_str(), stdout);
  }
}

}  // namespace hess::cli
