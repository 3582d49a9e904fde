#pragma once
// CSV files of numbers (plain or gzip-compressed) as data sets: one sample per line, one column the
// label (a class index, or a real target with `targets`), the other columns the features, in order.
//
// - Cells are separated by `delimiter` (','); spaces around a cell and one pair of double quotes
//   around it are ignored; '\r' line ends are accepted; empty lines are skipped.
// - The first line is a header, and skipped, when one of its cells is not a number.
// - Every other line must have as many cells as the first data line and only finite numbers
//   (decimal, optional sign and exponent); class labels must be non-negative integers.
// - Errors are FileErrors naming the file, the line and the column.
//
//   hess::CsvImportOptions o;
//   o.label_column = -1;                       // the last column
//   hess::ImportedData d = hess::import_csv("digits.csv.gz", o);   // X [1797, 64], labels 0..9

#include <cstdint>
#include <string>

#include "io/imported_data.h"

namespace hess {

struct CsvImportOptions {
  int64_t label_column = -1;  // 0-based; negative counts from the end (-1: the last column)
  bool targets = false;       // the label column holds a real target (regression), not a class
  char delimiter = ',';
};

ImportedData import_csv(const std::string& path, const CsvImportOptions& options);
// The same from text in memory (`label` names it in errors; the fuzzer's entry point).
ImportedData parse_csv(const std::string& text, const CsvImportOptions& options,
                       const std::string& label);

}  // namespace hess
