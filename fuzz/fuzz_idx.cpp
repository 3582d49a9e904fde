// Fuzzes the IDX parser: the first two bytes give where the input splits into an images file and a
// labels file. Parsing may only succeed, with a consistent data set, or throw FileError.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "io/file_error.h"
#include "io/idx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t split = std::min<size_t>((size_t{data[0]} << 8 | data[1]), size - 2);
  const std::string images(reinterpret_cast<const char*>(data) + 2, split);
  const std::string labels(reinterpret_cast<const char*>(data) + 2 + split, size - 2 - split);
  try {
    const hess::ImportedData d = hess::parse_idx_pair(images, labels, "images", "labels");
    if (d.data.size() <= 0 || static_cast<int64_t>(d.data.labels.size()) != d.data.size())
      std::abort();
  } catch (const hess::FileError&) {
    // The one way a parser may refuse its input.
  }
  return 0;
}
