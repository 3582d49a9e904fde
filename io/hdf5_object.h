#pragma once
// An HDF5 object (file root, group or dataset) with its attributes, as the io/ readers see it: it
// knows the file it belongs to and its path inside, so every error names both, and every read is
// checked (type, rank, size) before anything is allocated.
//
// Attribute values are one of: integer, real, string, or a 1-D list of integers, reals or strings
// (h5::Value). Integers of any width and signedness read as int64 (an unsigned value above
// INT64_MAX is an error); reals of any width as double; strings fixed-length or variable-length.
//
//   hess::h5::File f = hess::h5::File::open_read("m.h5");
//   std::string fmt = f.string_attr("format");       // FileError "m.h5: / has no attribute
//   'format'" int64_t v = f.int_attr("version"); f.set_attr("note", std::string("hello")); // on a
//   writable file

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "io/hdf5_handle.h"

namespace hess::h5 {

using Value = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>,
                           std::vector<std::string>>;
// "integer", "real", "string", "integer list", "real list", "string list".
std::string value_type_name(const Value& v);

// What every object of one open file shares: the name used in messages.
struct FileInfo {
  std::string label;
};

class Object {
 public:
  hid_t id() const { return handle_.get(); }
  const std::string& file() const { return info_->label; }
  // The file's current size in bytes (what declared extents are checked against).
  uint64_t file_bytes() const;
  // The object's path in the file, e.g. "/parameters/fc1.weight".
  const std::string& path() const { return path_; }
  // Throws FileError(file, what).
  [[noreturn]] void fail(const std::string& what) const;
  // fail() with HDF5's error detail appended.
  [[noreturn]] void fail_hdf5(const std::string& what) const;

  bool has_attr(const std::string& name) const;
  std::vector<std::string> attr_names() const;
  // Throws FileError naming the object and the attribute when it is missing, of a type Value cannot
  // hold, or larger than the file.
  Value attr(const std::string& name) const;
  std::string string_attr(const std::string& name) const;
  int64_t int_attr(const std::string& name) const;
  double real_attr(const std::string& name) const;
  std::vector<int64_t> ints_attr(const std::string& name) const;
  std::vector<std::string> strings_attr(const std::string& name) const;
  uint64_t u64_attr(const std::string& name) const;

  // Writes (replacing) an attribute: int64 or float64 scalars, UTF-8 variable-length strings, 1-D
  // arrays of these.
  void set_attr(const std::string& name, const Value& value);
  void set_attr(const std::string& name, const char* value) {
    set_attr(name, Value(std::string(value)));
  }
  template <class I>
  requires(std::is_integral_v<I>&& std::is_signed_v<I>) void set_attr(const std::string& name,
                                                                      I value) {
    set_attr(name, Value(static_cast<int64_t>(value)));
  }
  // An unsigned 64-bit scalar (seeds).
  void set_u64_attr(const std::string& name, uint64_t value);
  void remove_attr(const std::string& name);

 protected:
  Object(std::shared_ptr<const FileInfo> info, Handle handle, std::string path)
      : info_(std::move(info)), handle_(std::move(handle)), path_(std::move(path)) {}
  // "/" + name under this object's path.
  std::string child_path(const std::string& name) const;

  std::shared_ptr<const FileInfo> info_;
  Handle handle_;
  std::string path_;
};

// Rank and extents of a dataspace; throws FileError through `owner` when the rank exceeds
// kMaxRank or an extent does not fit int64.
constexpr int kMaxRank = 32;
std::vector<int64_t> dataspace_shape(hid_t space, const Object& owner, const std::string& what);

// Product of extents; throws FileError through `owner` on overflow past 2^62.
int64_t checked_count(const std::vector<int64_t>& shape, const Object& owner,
                      const std::string& what);

// The element type of a dataset or attribute, for checks and messages.
struct DType {
  enum Class : uint8_t { Int, UInt, Float, String, Other };
  Class cls = Other;
  size_t size = 0;  // bytes per element
  bool variable_string = false;
  // "int64", "uint8", "float32", "string", "compound", ...
  std::string name() const;
};
DType dtype_of(hid_t type);

}  // namespace hess::h5
