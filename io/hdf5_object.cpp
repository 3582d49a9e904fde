#include "io/hdf5_object.h"

#include <limits>

#include "io/file_error.h"

namespace hess::h5 {

namespace {

// Attributes live in object headers and heaps: nothing legitimate comes near this.
constexpr uint64_t kMaxAttrBytes = uint64_t{64} << 20;
constexpr int64_t kMaxCount = int64_t{1} << 62;

std::string quoted(const std::string& s) {
  return "'" + s + "'";
}

Handle vlen_string_type() {
  Handle t(H5Tcopy(H5T_C_S1));
  H5Tset_size(t.get(), H5T_VARIABLE);
  H5Tset_cset(t.get(), H5T_CSET_UTF8);
  return t;
}

// A scalar dataspace for count < 0, else a 1-D one of `count` elements.
Handle space_of(int64_t count) {
  if (count < 0) return Handle(H5Screate(H5S_SCALAR));
  const hsize_t n = static_cast<hsize_t>(count);
  return Handle(H5Screate_simple(1, &n, nullptr));
}

std::string strip_padding(const char* p, size_t n) {
  size_t end = 0;
  while (end < n && p[end] != '\0') ++end;
  while (end > 0 && p[end - 1] == ' ') --end;  // space-padded strings
  return std::string(p, end);
}

}  // namespace

std::string value_type_name(const Value& v) {
  static const char* const kNames[] = {"integer",      "real",      "string",
                                       "integer list", "real list", "string list"};
  return kNames[v.index()];
}

void Object::fail(const std::string& what) const {
  throw FileError(file(), what);
}

void Object::fail_hdf5(const std::string& what) const {
  throw FileError(file(), failure_message(what));
}

uint64_t Object::file_bytes() const {
  Handle f(H5Iget_file_id(id()));
  hsize_t size = 0;
  if (!f || H5Fget_filesize(f.get(), &size) < 0) fail_hdf5("cannot tell the size of the file");
  return size;
}

std::string Object::child_path(const std::string& name) const {
  return path_ == "/" ? "/" + name : path_ + "/" + name;
}

std::vector<int64_t> dataspace_shape(hid_t space, const Object& owner, const std::string& what) {
  const H5S_class_t cls = H5Sget_simple_extent_type(space);
  if (cls == H5S_SCALAR) return {};
  if (cls != H5S_SIMPLE) owner.fail(what + " has an empty (null) or unknown dataspace");
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) owner.fail_hdf5(what + ": cannot read its dataspace");
  if (rank > kMaxRank) owner.fail(what + " has rank " + std::to_string(rank));
  hsize_t dims[H5S_MAX_RANK];
  if (H5Sget_simple_extent_dims(space, dims, nullptr) < 0)
    owner.fail_hdf5(what + ": cannot read its extents");
  std::vector<int64_t> shape(rank);
  for (int i = 0; i < rank; ++i) {
    if (dims[i] > static_cast<hsize_t>(kMaxCount))
      owner.fail(what + " has an absurd extent " + std::to_string(dims[i]));
    shape[i] = static_cast<int64_t>(dims[i]);
  }
  return shape;
}

int64_t checked_count(const std::vector<int64_t>& shape, const Object& owner,
                      const std::string& what) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d != 0 && n > kMaxCount / d) owner.fail(what + " declares more than 2^62 elements");
    n *= d;
  }
  return n;
}

std::string DType::name() const {
  switch (cls) {
    case Int:
      return "int" + std::to_string(8 * size);
    case UInt:
      return "uint" + std::to_string(8 * size);
    case Float:
      return "float" + std::to_string(8 * size);
    case String:
      return "string";
    default:
      return "a non-numeric type";
  }
}

DType dtype_of(hid_t type) {
  DType d;
  d.size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      d.cls = H5Tget_sign(type) == H5T_SGN_NONE ? DType::UInt : DType::Int;
      break;
    case H5T_FLOAT:
      d.cls = DType::Float;
      break;
    case H5T_STRING:
      d.cls = DType::String;
      d.variable_string = H5Tis_variable_str(type) > 0;
      break;
    default:
      d.cls = DType::Other;
      break;
  }
  H5Eclear2(H5E_DEFAULT);
  return d;
}

bool Object::has_attr(const std::string& name) const {
  const htri_t e = H5Aexists(id(), name.c_str());
  if (e < 0) fail_hdf5(path_ + ": cannot look up attribute " + quoted(name));
  return e > 0;
}

namespace {
herr_t collect_attr_name(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> Object::attr_names() const {
  std::vector<std::string> names;
  hsize_t idx = 0;
  if (H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attr_name, &names) < 0) {
    fail_hdf5(path_ + ": cannot list attributes");
  }
  return names;
}

Value Object::attr(const std::string& name) const {
  const std::string what = path_ + " attribute " + quoted(name);
  if (!has_attr(name)) fail(path_ + " has no attribute " + quoted(name));
  Handle a(H5Aopen(id(), name.c_str(), H5P_DEFAULT));
  if (!a) fail_hdf5("cannot open " + what);
  Handle type(H5Aget_type(a.get())), space(H5Aget_space(a.get()));
  if (!type || !space) fail_hdf5("cannot read the type of " + what);
  const DType dt = dtype_of(type.get());
  const std::vector<int64_t> shape = dataspace_shape(space.get(), *this, what);
  if (shape.size() > 1)
    fail(what + " has rank " + std::to_string(shape.size()) + "; attributes are scalars or lists");
  const int64_t n = checked_count(shape, *this, what);
  const uint64_t bytes = static_cast<uint64_t>(n) * std::max<uint64_t>(dt.size, sizeof(int64_t));
  if (bytes > kMaxAttrBytes || static_cast<uint64_t>(n) * dt.size > file_bytes()) {
    fail(what + " declares " + std::to_string(n) + " elements, more than the file holds");
  }
  const bool scalar = shape.empty();
  switch (dt.cls) {
    case DType::Int:
    case DType::UInt: {
      std::vector<int64_t> v(n);
      if (dt.cls == DType::UInt && dt.size >= sizeof(uint64_t)) {
        std::vector<uint64_t> u(n);
        if (n > 0 && H5Aread(a.get(), H5T_NATIVE_UINT64, u.data()) < 0)
          fail_hdf5("cannot read " + what);
        for (int64_t i = 0; i < n; ++i) {
          if (u[i] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            fail(what + " holds " + std::to_string(u[i]) + ", out of the int64 range");
          }
          v[i] = static_cast<int64_t>(u[i]);
        }
      } else if (n > 0 && H5Aread(a.get(), H5T_NATIVE_INT64, v.data()) < 0) {
        fail_hdf5("cannot read " + what);
      }
      if (scalar) return v.at(0);
      return v;
    }
    case DType::Float: {
      std::vector<double> v(n);
      if (n > 0 && H5Aread(a.get(), H5T_NATIVE_DOUBLE, v.data()) < 0)
        fail_hdf5("cannot read " + what);
      if (scalar) return v.at(0);
      return v;
    }
    case DType::String: {
      std::vector<std::string> v;
      v.reserve(n);
      if (dt.variable_string) {
        Handle mem = vlen_string_type();
        H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
        std::vector<char*> p(n, nullptr);
        if (n > 0 && H5Aread(a.get(), mem.get(), p.data()) < 0) fail_hdf5("cannot read " + what);
        for (char* s : p) {
          v.emplace_back(s ? s : "");
          H5free_memory(s);
        }
      } else {
        if (dt.size == 0) fail(what + " is a string of size 0");
        std::vector<char> raw(static_cast<size_t>(n) * dt.size);
        if (n > 0 && H5Aread(a.get(), type.get(), raw.data()) < 0) fail_hdf5("cannot read " + what);
        for (int64_t i = 0; i < n; ++i)
          v.push_back(strip_padding(raw.data() + i * dt.size, dt.size));
      }
      if (scalar) return v.at(0);
      return v;
    }
    default:
      fail(what + " has type " + dt.name() + "; integers, reals and strings are read");
  }
}

namespace {
template <class T>
const T& expect(const Value& v, const Object& o, const std::string& name, const char* expected) {
  if (const T* p = std::get_if<T>(&v)) return *p;
  o.fail(o.path() + " attribute '" + name + "' is " + value_type_name(v) + ", expected " +
         expected);
}
}  // namespace

std::string Object::string_attr(const std::string& name) const {
  return expect<std::string>(attr(name), *this, name, "a string");
}
int64_t Object::int_attr(const std::string& name) const {
  return expect<int64_t>(attr(name), *this, name, "an integer");
}
double Object::real_attr(const std::string& name) const {
  const Value v = attr(name);
  if (const int64_t* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return expect<double>(v, *this, name, "a number");
}
std::vector<int64_t> Object::ints_attr(const std::string& name) const {
  return expect<std::vector<int64_t>>(attr(name), *this, name, "an integer list");
}
std::vector<std::string> Object::strings_attr(const std::string& name) const {
  return expect<std::vector<std::string>>(attr(name), *this, name, "a string list");
}

uint64_t Object::u64_attr(const std::string& name) const {
  if (!has_attr(name)) fail(path_ + " has no attribute " + quoted(name));
  Handle a(H5Aopen(id(), name.c_str(), H5P_DEFAULT));
  Handle type(a ? H5Aget_type(a.get()) : H5I_INVALID_HID),
      space(a ? H5Aget_space(a.get()) : H5I_INVALID_HID);
  if (!type || !space) fail_hdf5("cannot open " + path_ + " attribute " + quoted(name));
  const DType dt = dtype_of(type.get());
  if ((dt.cls != DType::UInt && dt.cls != DType::Int) ||
      H5Sget_simple_extent_type(space.get()) != H5S_SCALAR) {
    fail(path_ + " attribute " + quoted(name) + " is not an integer");
  }
  uint64_t v = 0;
  if (H5Aread(a.get(), H5T_NATIVE_UINT64, &v) < 0)
    fail_hdf5("cannot read " + path_ + " attribute " + quoted(name));
  return v;
}

namespace {

struct AttrWriter {
  const Object& o;
  const std::string& name;

  static constexpr int64_t kScalar = -1;

  // count: kScalar, or the length of a list.
  void write(hid_t file_type, hid_t mem_type, int64_t count, const void* data) const {
    if (H5Aexists(o.id(), name.c_str()) > 0 && H5Adelete(o.id(), name.c_str()) < 0) {
      o.fail_hdf5("cannot replace attribute " + quoted(name) + " of " + o.path());
    }
    Handle space = space_of(count);
    Handle a(H5Acreate2(o.id(), name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT));
    if (!a || (count != 0 && H5Awrite(a.get(), mem_type, data) < 0)) {
      o.fail_hdf5("cannot write attribute " + quoted(name) + " of " + o.path());
    }
  }
  void operator()(int64_t v) const { write(H5T_STD_I64LE, H5T_NATIVE_INT64, kScalar, &v); }
  void operator()(double v) const { write(H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, kScalar, &v); }
  void operator()(const std::string& v) const {
    Handle t = vlen_string_type();
    const char* p = v.c_str();
    write(t.get(), t.get(), kScalar, &p);
  }
  void operator()(const std::vector<int64_t>& v) const {
    write(H5T_STD_I64LE, H5T_NATIVE_INT64, static_cast<int64_t>(v.size()), v.data());
  }
  void operator()(const std::vector<double>& v) const {
    write(H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, static_cast<int64_t>(v.size()), v.data());
  }
  void operator()(const std::vector<std::string>& v) const {
    Handle t = vlen_string_type();
    std::vector<const char*> p;
    for (const std::string& s : v) p.push_back(s.c_str());
    write(t.get(), t.get(), static_cast<int64_t>(v.size()), p.data());
  }
};

}  // namespace

void Object::set_attr(const std::string& name, const Value& value) {
  std::visit(AttrWriter{*this, name}, value);
}

void Object::remove_attr(const std::string& name) {
  if (H5Adelete(id(), name.c_str()) < 0)
    fail_hdf5("cannot remove attribute " + quoted(name) + " of " + path_);
}

void Object::set_u64_attr(const std::string& name, uint64_t value) {
  AttrWriter{*this, name}.write(H5T_STD_U64LE, H5T_NATIVE_UINT64, AttrWriter::kScalar, &value);
}

}  // namespace hess::h5
