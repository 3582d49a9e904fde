// Fuzzes the data file reader: the input is an HDF5 file image (core driver). Reading may only
// succeed, with a consistent data set, or throw FileError.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "io/data_file.h"
#include "io/file_error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const hess::h5::File f = hess::h5::File::open_image(bytes, "fuzz.h5");
    const hess::DataFile d = hess::read_data_group(f);
    const int64_t n = d.data.size();
    const bool consistent =
        n > 0 && static_cast<int64_t>(d.data.x.size()) == n * hess::numel(d.data.sample_shape) &&
        (d.data.has_labels()
             ? static_cast<int64_t>(d.data.labels.size()) == n
             : static_cast<int64_t>(d.data.targets.size()) == n * d.data.target_dim);
    if (!consistent) std::abort();
  } catch (const hess::FileError&) {
    // The one way a reader may refuse its input.
  }
  return 0;
}
