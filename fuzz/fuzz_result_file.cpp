// Fuzzes what the tool does with an existing result file given as --out: the input is an HDF5 file
// image (core driver, no temporary file). The in-process path is the one ResultFile runs in its
// isolated child and `hessian landscape` / `eos` run through ResultReader: open, check the root's
// `format` and `version`, list the groups, copy each into a new in-memory file, reopen that copy
// and copy its groups again (as ResultFile::commit does into NAME.partial). Then every group is
// read through ResultGroupView: metadata, datasets (numbers, integers, strings by dtype) and, as a
// progress file would be checked, its seal. Reading may only succeed with consistent values or
// throw FileError.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "io/file_error.h"
#include "io/progress_seal.h"
#include "io/result_reader.h"

namespace {

void read_group(const hess::ResultGroupView& g) {
  try {
    g.metadata();
  } catch (const hess::FileError&) {
    // A missing or mistyped metadata attribute.
  }
  for (const std::string& name : g.datasets()) {
    if (!g.has_dataset(name)) std::abort();
    try {
      const hess::h5::DType t = g.h5().dataset(name).dtype();
      if (t.cls == hess::h5::DType::Int || t.cls == hess::h5::DType::UInt) {
        const std::vector<int64_t> v = g.ints(name);
        const hess::ResultArray a = g.array(name);
        if (v.size() != a.values.size()) std::abort();
      } else if (t.cls == hess::h5::DType::Float) {
        const hess::ResultArray a = g.array(name);
        if (static_cast<int64_t>(a.values.size()) != hess::numel(a.shape)) std::abort();
      } else {
        g.strings(name);
      }
    } catch (const hess::FileError&) {
    }
  }
  try {
    hess::progress_damage(g.h5());
  } catch (const hess::FileError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    // ResultFile's read of an existing NAME (io/result_file.cpp, read_existing), in process.
    std::string image;
    {
      const hess::h5::File old = hess::h5::File::open_image(bytes, "fuzz.h5");
      hess::check_result_format(old);
      hess::h5::File copy = hess::h5::File::create_image("copy.h5");
      for (const std::string& child : old.children()) old.copy_child(child, copy);
      image = copy.image();
    }
    // The parent's side: the copy reopened and its groups copied into the new result.
    {
      const hess::h5::File existing = hess::h5::File::open_image(image, "copy.h5");
      hess::h5::File partial = hess::h5::File::create_image("partial.h5");
      partial.set_attr("format", hess::kResultFormat);
      for (const std::string& child : existing.children()) existing.copy_child(child, partial);
      partial.image();
    }
    // ResultReader on the same bytes.
    const hess::ResultReader r(hess::h5::File::open_image(bytes, "fuzz.h5"));
    for (const std::string& name : r.groups()) {
      if (!r.has_group(name)) continue;  // a dataset at the root
      read_group(r.group(name));
    }
  } catch (const hess::FileError&) {
    // The one way a reader may refuse its input.
  }
  return 0;
}
