// numpy .npy arrays (io/npy_array): headers of versions 1 and 2, dtypes, byte orders and Fortran
// order against arrays written here byte by byte as numpy/lib/format.py lays them out; malformed
// headers, unsupported dtypes and sizes that do not match refused with a FileError.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "io/file_error.h"
#include "io/npy_array.h"

using namespace hess;

namespace {

// An .npy file of format `major` with header dict `dict` and raw value bytes `data`.
std::string npy(const std::string& dict, const std::string& data, int major = 1) {
  std::string h = dict + "\n";
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  const size_t len = h.size();
  const int width = major == 1 ? 2 : 4;
  for (int i = 0; i < width; ++i) out += static_cast<char>((len >> (8 * i)) & 0xFF);
  return out + h + data;
}

template <class T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string swapped(std::string bytes, size_t width) {
  for (size_t at = 0; at + width <= bytes.size(); at += width)
    std::reverse(bytes.begin() + at, bytes.begin() + at + width);
  return bytes;
}

}  // namespace

TEST_CASE("C and Fortran order, byte orders, integer and float dtypes, versions 1 and 2") {
  const std::vector<float> c = {0, 1, 2, 3, 4, 5};  // [2, 3] in C order
  const std::string b1 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", raw(c));
  const NpyArray a = parse_npy(b1, "a");
  CHECK(a.shape == Shape{2, 3});
  CHECK(describe(a) == "float32 [2, 3]");
  CHECK(npy_floats(a) == c);
  CHECK_FALSE(is_integer(a));
  CHECK_THROWS_AS(npy_integers(a), FileError);

  // The same matrix stored column by column.
  const std::vector<double> f = {0, 3, 1, 4, 2, 5};
  const std::string bf =
      npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", raw(f), 2);
  CHECK(npy_floats(parse_npy(bf, "f")) == c);
  // [2, 3, 2] in Fortran order: element (i, j, k) at i + 2 j + 6 k.
  std::vector<double> f3(12), want(12);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 2; ++k) {
        f3[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
        want[(i * 3 + j) * 2 + k] = 100 * i + 10 * j + k;
      }
  // The array views the bytes it was parsed from: they must outlive it.
  const std::string b3 = npy("{'descr':'<f8','fortran_order':True,'shape':(2,3,2)}", raw(f3));
  const NpyArray a3 = parse_npy(b3, "f3");
  const std::vector<float> got3 = npy_floats(a3);
  CHECK(std::vector<double>(got3.begin(), got3.end()) == want);

  const std::vector<int16_t> s = {-3, 7, 300};
  const std::string bbe =
      npy("{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }", swapped(raw(s), 2));
  const NpyArray be = parse_npy(bbe, "be");
  CHECK(npy_integers(be) == std::vector<int64_t>{-3, 7, 300});
  const std::vector<uint8_t> u = {0, 255, 9};
  CHECK(npy_integers(parse_npy(
            npy("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }", raw(u)), "u")) ==
        std::vector<int64_t>{0, 255, 9});
  const std::vector<int64_t> big = {int64_t{1} << 60, -5};
  CHECK(npy_integers(parse_npy(
            npy("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }", raw(big)), "i8")) ==
        big);
  const std::vector<uint64_t> beyond = {uint64_t{1} << 63};
  CHECK_THROWS_AS(
      npy_integers(parse_npy(
          npy("{'descr': '<u8', 'fortran_order': False, 'shape': (1,), }", raw(beyond)), "u8")),
      FileError);
  // A scalar (shape ()) holds one value.
  CHECK(parse_npy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
                      raw(std::vector<float>{2.5f})),
                  "s")
            .count == 1);
}

TEST_CASE("malformed headers, unread dtypes and wrong sizes are FileErrors naming the array") {
  const std::string four(16, '\0');
  auto refused = [](const std::string& bytes) {
    try {
      (void)parse_npy(bytes, "d.npz: X");
    } catch (const FileError& e) {
      CHECK(std::string(e.what()).rfind("d.npz: X: ", 0) == 0);
      return true;
    }
    return false;
  };
  CHECK_FALSE(refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four)));
  CHECK(refused(""));
  CHECK(refused("\x93NUMPX\x01\x00\x00\x00"));
  CHECK(refused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four, 4)));
  for (const char* dict : {
           "{'descr': '<f2', 'fortran_order': False, 'shape': (8,), }",
           "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }",
           "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }",
           "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (4,), }",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (-4,), }",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
           "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (4,), }",
           "{'descr': '<f4', 'shape': (4,), }",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'extra': 1}",
           "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (4,)}",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (4,)} trailing",
           "{'descr': '<f4', 'fortran_order': False, 'shape': (4,",
           "{'descr: '<f4'}",
       }) {
    CAPTURE(dict);
    CHECK(refused(npy(dict, four)));
  }
  // A header longer than the file.
  std::string cut = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four);
  CHECK(refused(cut.substr(0, 20)));
}
