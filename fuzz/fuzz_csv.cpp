// Fuzzes the CSV parser: the first byte chooses the label column (-4..3), whether it is a target,
// and the delimiter; the rest is the text. Parsing may only succeed, with a consistent data set, or
// throw FileError.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "io/csv_import.h"
#include "io/file_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  hess::CsvImportOptions o;
  o.label_column = static_cast<int64_t>(data[0] & 7) - 4;
  o.targets = (data[0] & 8) != 0;
  o.delimiter = (data[0] & 16) ? ';' : ',';
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    const hess::ImportedData d = hess::parse_csv(text, o, "fuzz.csv");
    const int64_t n = d.data.size();
    const bool consistent = n > 0 && (o.targets ? static_cast<int64_t>(d.data.targets.size()) == n
                                                : static_cast<int64_t>(d.data.labels.size()) == n);
    if (!consistent) std::abort();
  } catch (const hess::FileError&) {
    // The one way a parser may refuse its input.
  }
  return 0;
}
