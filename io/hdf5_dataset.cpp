#include "io/hdf5_dataset.h"

#include <type_traits>

#include "io/file_error.h"

namespace hess::h5 {

namespace {

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

// Compact storage keeps the data in the object header, which HDF5 limits to 64 KiB.
constexpr uint64_t kMaxCompactBytes = 64 * 1024;

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  if constexpr (std::is_same_v<T, int64_t>) return H5T_NATIVE_INT64;
}

}  // namespace

std::vector<int64_t> Dataset::shape() const {
  Handle space(H5Dget_space(id()));
  if (!space) fail_hdf5("cannot read the dataspace of " + quoted(path()));
  return dataspace_shape(space.get(), *this, quoted(path()));
}

int64_t Dataset::count() const {
  return checked_count(shape(), *this, quoted(path()));
}

DType Dataset::dtype() const {
  Handle type(H5Dget_type(id()));
  if (!type) fail_hdf5("cannot read the type of " + quoted(path()));
  return dtype_of(type.get());
}

void Dataset::check_storage(size_t mem_size) const {
  const std::string what = quoted(path());
  const int64_t n = count();
  const DType dt = dtype();
  Handle dcpl(H5Dget_create_plist(id()));
  if (!dcpl) fail_hdf5("cannot read the storage of " + what);
  const H5D_layout_t layout = H5Pget_layout(dcpl.get());
  if (layout == H5D_VIRTUAL)
    fail(what + " is a virtual dataset (data in other files), which is not read");
  if (H5Pget_external_count(dcpl.get()) != 0)
    fail(what + " keeps its data in external files, which are not read");
  if (n == 0) return;
  const uint64_t size = file_bytes();
  const uint64_t declared = static_cast<uint64_t>(n) * dt.size;  // n < 2^62 and dt.size is small
  if (dt.size > 64 || declared / dt.size != static_cast<uint64_t>(n))
    fail(what + " has an absurd element size");
  if (layout == H5D_CONTIGUOUS) {
    const haddr_t addr = H5Dget_offset(id());
    if (addr == HADDR_UNDEF) fail(what + " has no data written");
    if (addr > size || declared > size - addr) {
      fail(what + " is truncated: " + std::to_string(n) + " elements (" + std::to_string(declared) +
           " bytes) at offset " + std::to_string(addr) + " run past the end of the file (" +
           std::to_string(size) + " bytes)");
    }
  } else if (layout == H5D_CHUNKED) {
    const uint64_t needed = static_cast<uint64_t>(n) * mem_size;
    if (needed / mem_size != static_cast<uint64_t>(n) || needed > kMaxExpansion * size) {
      fail(what + " declares " + std::to_string(n) + " elements, more than a file of " +
           std::to_string(size) + " bytes can hold");
    }
  } else if (layout == H5D_COMPACT) {
    if (declared > kMaxCompactBytes)
      fail(what + " declares " + std::to_string(n) + " elements in compact storage");
  } else {
    fail(what + " has an unknown storage layout");
  }
}

template <class T>
std::vector<T> Dataset::read() const {
  check_storage(sizeof(T));
  std::vector<T> out(count());
  if (!out.empty() &&
      H5Dread(id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0) {
    fail_hdf5("cannot read " + quoted(path()));
  }
  return out;
}

template std::vector<float> Dataset::read<float>() const;
template std::vector<double> Dataset::read<double>() const;
template std::vector<int64_t> Dataset::read<int64_t>() const;

std::vector<std::string> Dataset::read_strings() const {
  const DType dt = dtype();
  if (dt.cls != DType::String)
    fail(quoted(path()) + " has dtype " + dt.name() + ", expected strings");
  if (shape().size() > 1)
    fail(quoted(path()) + " has rank " + std::to_string(shape().size()) + ", expected 1");
  check_storage(dt.variable_string ? sizeof(char*) : dt.size);
  const int64_t n = count();
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  Handle type(H5Dget_type(id()));
  if (dt.variable_string) {
    Handle mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
    std::vector<char*> p(n, nullptr);
    if (H5Dread(id(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()) < 0)
      fail_hdf5("cannot read " + quoted(path()));
    for (char* s : p) {
      out.emplace_back(s ? s : "");
      H5free_memory(s);
    }
  } else {
    std::vector<char> raw(static_cast<size_t>(n) * dt.size);
    if (H5Dread(id(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
      fail_hdf5("cannot read " + quoted(path()));
    for (int64_t i = 0; i < n; ++i) {
      const char* p = raw.data() + i * dt.size;
      size_t len = 0;
      while (len < dt.size && p[len] != '\0') ++len;
      out.emplace_back(p, len);
    }
  }
  return out;
}

namespace {

// A 1-D selection of [first, first + count) over the flattened dataset. HDF5 selects hyperslabs in
// the dataset's own rank, so the range is selected as points when the rank is above 1.
struct FlatSelection {
  Handle file_space, mem_space;
};

FlatSelection select_range(const Dataset& d, int64_t first, int64_t count) {
  const int64_t n = d.count();
  if (first < 0 || count < 0 || first > n || count > n - first) {
    d.fail("range [" + std::to_string(first) + ", " + std::to_string(first + count) +
           ") is outside " + quoted(d.path()) + " of " + std::to_string(n) + " elements");
  }
  FlatSelection s;
  s.file_space = Handle(H5Dget_space(d.id()));
  const hsize_t c = static_cast<hsize_t>(count);
  s.mem_space = Handle(H5Screate_simple(1, &c, nullptr));
  const std::vector<int64_t> shape = d.shape();
  const int rank = static_cast<int>(shape.size());
  if (rank <= 1) {
    const hsize_t start = static_cast<hsize_t>(first);
    if (rank == 1 &&
        H5Sselect_hyperslab(s.file_space.get(), H5S_SELECT_SET, &start, nullptr, &c, nullptr) < 0) {
      d.fail_hdf5("cannot select a range of " + quoted(d.path()));
    }
    return s;
  }
  std::vector<hsize_t> coords(static_cast<size_t>(count) * rank);
  for (int64_t i = 0; i < count; ++i) {
    int64_t flat = first + i;
    for (int r = rank - 1; r >= 0; --r) {
      coords[i * rank + r] = static_cast<hsize_t>(flat % shape[r]);
      flat /= shape[r];
    }
  }
  if (count > 0 && H5Sselect_elements(s.file_space.get(), H5S_SELECT_SET, c, coords.data()) < 0) {
    d.fail_hdf5("cannot select a range of " + quoted(d.path()));
  }
  return s;
}

}  // namespace

void Dataset::write_range(int64_t first, const double* values, int64_t count) {
  if (count == 0) return;
  FlatSelection s = select_range(*this, first, count);
  if (H5Dwrite(id(), H5T_NATIVE_DOUBLE, s.mem_space.get(), s.file_space.get(), H5P_DEFAULT,
               values) < 0) {
    fail_hdf5("cannot write " + quoted(path()));
  }
}

void Dataset::append(const double* values, int64_t count) {
  if (count == 0) return;
  const int64_t first = this->count();
  const hsize_t dims[1] = {static_cast<hsize_t>(first + count)};
  if (H5Dset_extent(id(), dims) < 0) fail_hdf5("cannot extend " + quoted(path()));
  write_range(first, values, count);
}

std::vector<double> Dataset::read_range(int64_t first, int64_t count) const {
  FlatSelection s = select_range(*this, first, count);
  check_storage(sizeof(double));
  std::vector<double> out(count);
  if (count == 0) return out;
  if (H5Dread(id(), H5T_NATIVE_DOUBLE, s.mem_space.get(), s.file_space.get(), H5P_DEFAULT,
              out.data()) < 0) {
    fail_hdf5("cannot read " + quoted(path()));
  }
  return out;
}

}  // namespace hess::h5
