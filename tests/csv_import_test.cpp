// CSV import (io/csv_import): headers detected, label columns from either end, targets, quoting,
// CRLF, gzip; sklearn's digits file with the figures numpy gives; and one FileError naming the
// file, line and column for every bad input.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include "io/csv_import.h"
#include "io/file_error.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr const char* kDigits =
    "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

ImportedData parse(const std::string& text, int64_t label_column = -1, bool targets = false) {
  CsvImportOptions o;
  o.label_column = label_column;
  o.targets = targets;
  return parse_csv(text, o, "f.csv");
}

std::string error_of(const std::string& text, int64_t label_column = -1, bool targets = false) {
  return error_message<FileError>([&] { parse(text, label_column, targets); });
}

}  // namespace

TEST_CASE("numbers, labels and headers") {
  const ImportedData a = parse("1,2.5,0\n-3,4e-1,2\n");
  CHECK(a.data.sample_shape == Shape{2});
  CHECK(a.data.x == std::vector<float>{1, 2.5f, -3, 0.4f});
  CHECK(a.data.labels == std::vector<int64_t>{0, 2});
  CHECK(a.source == "CSV: f.csv (2 rows, label column 2 of 3 as the class)");

  const ImportedData b = parse("label,x1,x2\r\n\r\n7, +1 ,\"2\"\r\n3,.5,-0\r\n", 0);
  CHECK(b.data.x == std::vector<float>{1, 2, 0.5f, -0.0f});
  CHECK(b.data.labels == std::vector<int64_t>{7, 3});
  CHECK(b.source == "CSV: f.csv (2 rows, label column 0 of 3 as the class, header line skipped)");

  const ImportedData c = parse("1,2,0.25\n3,4,-1.5", -1, true);
  CHECK(c.data.labels.empty());
  CHECK(c.data.target_dim == 1);
  CHECK(c.data.targets == std::vector<float>{0.25f, -1.5f});

  CsvImportOptions semi;
  semi.delimiter = ';';
  CHECK(parse_csv("1;2\n3;4\n", semi, "s.csv").data.x == std::vector<float>{1, 3});
}

TEST_CASE("sklearn's digits CSV (gzip) imports with the figures numpy computes") {
  struct stat st;
  REQUIRE_MESSAGE(stat(kDigits, &st) == 0,
                  "python3-sklearn is not installed (scripts/setup.sh installs it)");
  CsvImportOptions o;
  const ImportedData d = import_csv(kDigits, o);
  REQUIRE(d.data.size() == 1797);
  CHECK(d.data.sample_shape == Shape{64});
  // Reference figures from numpy.loadtxt over the same file.
  std::vector<int64_t> per_class(10, 0);
  for (int64_t l : d.data.labels) per_class.at(l) += 1;
  CHECK(per_class == std::vector<int64_t>{178, 182, 177, 183, 181, 182, 181, 179, 174, 180});
  double sum = 0;
  float top = 0;
  for (float v : d.data.x) {
    sum += v;
    top = std::max(top, v);
  }
  CHECK(sum == 561718);
  CHECK(top == 16);
  CHECK(std::vector<float>(d.data.x.begin(), d.data.x.begin() + 8) ==
        std::vector<float>{0, 0, 5, 13, 9, 1, 0, 0});
}

TEST_CASE("gzip and plain CSV files import the same") {
  ScratchDir dir;
  const std::string text = "a,b,c\n1,2,3\n4,5,6\n";
  write_bytes(dir.file("p.csv"), text);
  write_gzip(dir.file("p.csv.gz"), text);
  CsvImportOptions o;
  CHECK(import_csv(dir.file("p.csv"), o).data.x == import_csv(dir.file("p.csv.gz"), o).data.x);
  CHECK(error_message<FileError>([&] { import_csv(dir.file("none.csv"), o); }) ==
        dir.file("none.csv") + ": no such file");
}

TEST_CASE("bad CSV input: one error naming the file, the line and the column") {
  CHECK(error_of("1,2,3\n4,5\n") ==
        "f.csv: line 2 has 2 cells, the first data line (line 1) has 3");
  CHECK(error_of("x,y\n1,2,3\n4,5\n") ==
        "f.csv: line 3 has 2 cells, the first data line (line 2) has 3");
  CHECK(error_of("1,2,3\n4,abc,6\n") == "f.csv: line 2, column 2: 'abc' is not a finite number");
  CHECK(error_of("1,2,3\n4,,6\n") == "f.csv: line 2, column 2: '' is not a finite number");
  CHECK(error_of("1,2,3\n4,nan,6\n") == "f.csv: line 2, column 2: 'nan' is not a finite number");
  CHECK(error_of("1,2,3\n4,1e999,6\n") ==
        "f.csv: line 2, column 2: '1e999' is not a finite number");
  CHECK(error_of("1,2,3\n4,1e39,6\n") ==
        "f.csv: line 2, column 2: '1e39' is out of the float32 range");
  CHECK(error_of("1,2,3\n4,5,2.5\n") ==
        "f.csv: line 2: label '2.5' is not a class index (a non-negative integer); --targets reads "
        "real targets");
  CHECK(error_of("1,2,-1\n") ==
        "f.csv: line 1: label '-1' is not a class index (a non-negative integer); --targets reads "
        "real targets");
  CHECK(error_of("1,2,3\n", 3) ==
        "f.csv: has 3 columns; there is no label column 3 (0-based, negative from the end)");
  CHECK(error_of("1,2,3\n", -4) ==
        "f.csv: has 3 columns; there is no label column -4 (0-based, negative from the end)");
  CHECK(error_of("1\n2\n") == "f.csv: line 1 has one column; a label and features are needed");
  CHECK(error_of("") == "f.csv: holds no data");
  CHECK(error_of("\n\n  \n") == "f.csv: holds no data");
  CHECK(error_of("a,b,c\n") == "f.csv: holds a header line and no data");
  CHECK(error_of("1,2,3\n" + std::string(100, 'z') + ",1,1\n") ==
        "f.csv: line 2, column 1: '" + std::string(40, 'z') + "...' is not a finite number");
}
