#include "io/csv_import.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "io/compressed_file.h"
#include "io/file_error.h"

namespace hess {

namespace {

// Labels above this are not class indices anyone means.
constexpr double kMaxClassLabel = 1 << 30;
constexpr size_t kMaxShownCell = 40;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// A finite number, or nothing.
std::optional<double> number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return std::nullopt;
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

void split(std::string_view line, char delimiter, std::vector<std::string_view>& cells) {
  cells.clear();
  size_t start = 0;
  for (;;) {
    const size_t end = line.find(delimiter, start);
    cells.push_back(trim(
        line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
}

std::string shown(std::string_view cell) {
  return "'" + std::string(cell.substr(0, kMaxShownCell)) +
         (cell.size() > kMaxShownCell ? "...'" : "'");
}

}  // namespace

ImportedData parse_csv(const std::string& text, const CsvImportOptions& options,
                       const std::string& label) {
  ImportedData out;
  Dataset& d = out.data;
  std::vector<std::string_view> cells;
  size_t columns = 0, label_col = 0;
  int64_t first_data_line = 0;
  bool header = false;
  int64_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;
    split(line, options.delimiter, cells);
    if (columns == 0) {
      if (first_data_line == 0 && !header) {
        bool all_numbers = true;
        for (std::string_view c : cells) all_numbers = all_numbers && number(c).has_value();
        if (!all_numbers) {
          header = true;
          continue;
        }
      }
      columns = cells.size();
      first_data_line = line_no;
      if (columns < 2)
        throw FileError(label, "line " + std::to_string(line_no) +
                                   " has one column; a label and features are needed");
      const int64_t k = options.label_column;
      const int64_t c = static_cast<int64_t>(columns);
      if (k >= c || k < -c) {
        throw FileError(label, "has " + std::to_string(columns) +
                                   " columns; there is no label column " + std::to_string(k) +
                                   " (0-based, negative from the end)");
      }
      label_col = static_cast<size_t>(k < 0 ? c + k : k);
    }
    if (cells.size() != columns) {
      throw FileError(label,
                      "line " + std::to_string(line_no) + " has " + std::to_string(cells.size()) +
                          " cells, the first data line (line " + std::to_string(first_data_line) +
                          ") has " + std::to_string(columns));
    }
    for (size_t c = 0; c < columns; ++c) {
      const std::optional<double> v = number(cells[c]);
      if (!v) {
        throw FileError(label, "line " + std::to_string(line_no) + ", column " +
                                   std::to_string(c + 1) + ": " + shown(cells[c]) +
                                   " is not a finite number");
      }
      if (c != label_col) {
        d.x.push_back(static_cast<float>(*v));
        if (!std::isfinite(d.x.back())) {
          throw FileError(label, "line " + std::to_string(line_no) + ", column " +
                                     std::to_string(c + 1) + ": " + shown(cells[c]) +
                                     " is out of the float32 range");
        }
      } else if (options.targets) {
        d.targets.push_back(static_cast<float>(*v));
      } else {
        if (*v < 0 || *v != std::floor(*v) || *v > kMaxClassLabel) {
          throw FileError(
              label,
              "line " + std::to_string(line_no) + ": label " + shown(cells[c]) +
                  " is not a class index (a non-negative integer); --targets reads real targets");
        }
        d.labels.push_back(static_cast<int64_t>(*v));
      }
    }
  }
  if (columns == 0)
    throw FileError(label, header ? "holds a header line and no data" : "holds no data");
  d.sample_shape = {static_cast<int64_t>(columns - 1)};
  if (options.targets) d.target_dim = 1;
  const std::string name = std::filesystem::path(label).filename().string();
  out.source = "CSV: " + name + " (" + std::to_string(d.size()) + " rows, label column " +
               std::to_string(label_col) + " of " + std::to_string(columns) +
               (options.targets ? " as a real target" : " as the class") +
               (header ? ", header line skipped)" : ")");
  return out;
}

ImportedData import_csv(const std::string& path, const CsvImportOptions& options) {
  return parse_csv(read_maybe_gzip(path), options, path);
}

}  // namespace hess
