#pragma once
// numpy's .npy arrays (numpy/lib/format.py, format versions 1.0, 2.0 and 3.0): the magic
// "\x93NUMPY", the version, the header's length, a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), } and the values.
//
// Read: little- and big-endian (and byte-order-free) booleans, integers of 1, 2, 4 and 8 bytes,
// float32 and float64, in C or Fortran order, of any rank. Not read: structured dtypes, object
// arrays (pickles), float16, complex, strings. The header is parsed strictly and checked against
// the bytes present (exactly the declared values must follow) before anything is allocated; each
// fault is a FileError naming `label`.
//
//   hess::NpyArray a = hess::parse_npy(bytes, "d.npz: X.npy");
//   std::vector<float> x = hess::npy_floats(a);     // C order, as float32

#include <cstdint>
#include <string>
#include <vector>

#include "engine/shape.h"

namespace hess {

enum class NpyKind : uint8_t { Bool, Signed, Unsigned, Float };

struct NpyArray {
  std::string descr;  // as the header gives it, e.g. "<f4"
  NpyKind kind = NpyKind::Float;
  size_t item_size = 0;
  bool big_endian = false;
  bool fortran_order = false;
  Shape shape;
  const char* data = nullptr;  // the values, inside the parsed bytes
  uint64_t count = 0;          // number of values
  std::string label;
};

// Parses `bytes` (which must outlive the array).
NpyArray parse_npy(const std::string& bytes, const std::string& label);
// The values in C (row-major) order, converted to float32 (as numpy's astype(float32)).
std::vector<float> npy_floats(const NpyArray& a);
// The values in C order as integers; FileError for a float array.
std::vector<int64_t> npy_integers(const NpyArray& a);
bool is_integer(const NpyArray& a);
// "int64 [3, 2]", for messages and provenance.
std::string describe(const NpyArray& a);

}  // namespace hess
