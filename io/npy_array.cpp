#include "io/npy_array.h"

#include <charconv>
#include <cstring>
#include <limits>

#include "engine/enum_names.h"
#include "io/file_error.h"

namespace hess {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = sizeof(kMagic) - 1;
constexpr size_t kVersion1Header = kMagicSize + 2 + 2;  // magic, version, 16-bit length
constexpr size_t kVersion2Header = kMagicSize + 2 + 4;  // magic, version, 32-bit length

// A strict reader of the header's Python dict literal.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& label) : t_(text), label_(label) {}

  FileError fail(const std::string& what) const {
    return FileError(label_, "is not a valid .npy array: its header " + what);
  }
  void space() {
    while (at_ < t_.size() && (t_[at_] == ' ' || t_[at_] == '\n' || t_[at_] == '\t')) ++at_;
  }
  bool take(char c) {
    space();
    if (at_ < t_.size() && t_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c, const char* where) {
    if (!take(c)) throw fail(std::string("lacks '") + c + "' " + where);
  }
  std::string quoted() {
    space();
    if (at_ >= t_.size() || (t_[at_] != '\'' && t_[at_] != '"'))
      throw fail("has a key or value that is not a quoted string");
    const char q = t_[at_++];
    const size_t end = t_.find(q, at_);
    if (end == std::string_view::npos) throw fail("has an unterminated string");
    std::string s(t_.substr(at_, end - at_));
    at_ = end + 1;
    return s;
  }
  bool boolean() {
    space();
    for (const auto& [word, value] :
         {std::pair{std::string_view("True"), true}, {"False", false}}) {
      if (t_.substr(at_, word.size()) == word) {
        at_ += word.size();
        return value;
      }
    }
    throw fail("has a fortran_order that is neither True nor False");
  }
  Shape tuple() {
    expect('(', "before the shape");
    Shape s;
    while (!take(')')) {
      if (!s.empty()) expect(',', "between extents");
      if (take(')')) break;  // (3,)
      space();
      int64_t v = 0;
      const auto [p, ec] = std::from_chars(t_.data() + at_, t_.data() + t_.size(), v);
      if (ec != std::errc() || v < 0) throw fail("has a shape extent that is not a count");
      at_ = p - t_.data();
      s.push_back(v);
    }
    return s;
  }
  bool at_end() {
    space();
    return at_ == t_.size();
  }
  bool peek(char c) {
    space();
    return at_ < t_.size() && t_[at_] == c;
  }

 private:
  std::string_view t_;
  size_t at_ = 0;
  const std::string& label_;
};

// Kind and size of a dtype string such as "<f4"; false for the ones not read.
bool parse_descr(const std::string& d, NpyArray& a) {
  if (d.size() < 3 || std::string_view("<>|=").find(d[0]) == std::string_view::npos) return false;
  size_t size = 0;
  const auto [p, ec] = std::from_chars(d.data() + 2, d.data() + d.size(), size);
  if (ec != std::errc() || p != d.data() + d.size()) return false;
  a.big_endian = d[0] == '>';
  a.item_size = size;
  switch (d[1]) {
    case 'b':
      a.kind = NpyKind::Bool;
      return size == 1;
    case 'i':
    case 'u':
      a.kind = d[1] == 'i' ? NpyKind::Signed : NpyKind::Unsigned;
      return size == 1 || size == 2 || size == 4 || size == 8;
    case 'f':
      a.kind = NpyKind::Float;
      return size == 4 || size == 8;
    default:
      return false;
  }
}

// The raw bits of value `k` (at its storage position), in native order.
uint64_t raw(const NpyArray& a, uint64_t k) {
  const auto* p = reinterpret_cast<const unsigned char*>(a.data) + k * a.item_size;
  uint64_t v = 0;
  for (size_t i = 0; i < a.item_size; ++i) {
    const size_t from = a.big_endian ? i : a.item_size - 1 - i;
    v = (v << 8) | p[from];
  }
  return v;
}

int64_t signed_value(const NpyArray& a, uint64_t bits) {
  const int shift = 64 - 8 * static_cast<int>(a.item_size);
  return static_cast<int64_t>(bits << shift) >> shift;  // sign-extended
}

double as_double(const NpyArray& a, uint64_t bits) {
  switch (a.kind) {
    case NpyKind::Bool:
      return bits != 0 ? 1.0 : 0.0;
    case NpyKind::Unsigned:
      return static_cast<double>(bits);
    case NpyKind::Signed:
      return static_cast<double>(signed_value(a, bits));
    case NpyKind::Float:
    default:
      if (a.item_size == 4) {
        const uint32_t b = static_cast<uint32_t>(bits);
        float f;
        std::memcpy(&f, &b, sizeof f);
        return f;
      } else {
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;
      }
  }
}

// Calls fn(storage position) for every value in C order.
template <class Fn>
void in_c_order(const NpyArray& a, Fn fn) {
  if (!a.fortran_order || a.shape.size() < 2) {
    for (uint64_t k = 0; k < a.count; ++k) fn(k);
    return;
  }
  if (a.count == 0) return;
  const size_t r = a.shape.size();
  std::vector<uint64_t> stride(r, 1);  // Fortran strides, in values
  for (size_t d = 1; d < r; ++d) stride[d] = stride[d - 1] * a.shape[d - 1];
  std::vector<int64_t> index(r, 0);
  uint64_t at = 0;
  for (uint64_t k = 0; k < a.count; ++k) {
    fn(at);
    for (size_t d = r; d-- > 0;) {  // the last index varies fastest
      if (++index[d] < a.shape[d]) {
        at += stride[d];
        break;
      }
      at -= stride[d] * (a.shape[d] - 1);
      index[d] = 0;
    }
  }
}

const char* kind_name(const NpyArray& a) {
  switch (a.kind) {
    case NpyKind::Bool:
      return "bool";
    case NpyKind::Signed:
      return a.item_size == 1   ? "int8"
             : a.item_size == 2 ? "int16"
             : a.item_size == 4 ? "int32"
                                : "int64";
    case NpyKind::Unsigned:
      return a.item_size == 1   ? "uint8"
             : a.item_size == 2 ? "uint16"
             : a.item_size == 4 ? "uint32"
                                : "uint64";
    case NpyKind::Float:
    default:
      return a.item_size == 4 ? "float32" : "float64";
  }
}

}  // namespace

NpyArray parse_npy(const std::string& bytes, const std::string& label) {
  if (bytes.size() < kVersion1Header || bytes.compare(0, kMagicSize, kMagic) != 0)
    throw FileError(label, "is not a .npy array (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(bytes[kMagicSize]);
  if (major < 1 || major > 3) {
    throw FileError(
        label, "is a .npy array of format version " + std::to_string(major) + " (1 to 3 are read)");
  }
  const size_t header_at = major == 1 ? kVersion1Header : kVersion2Header;
  if (bytes.size() < header_at) throw FileError(label, "is truncated inside its header");
  uint64_t header_len = 0;
  for (size_t i = header_at; i-- > kMagicSize + 2;)
    header_len = (header_len << 8) | static_cast<unsigned char>(bytes[i]);
  if (header_len > bytes.size() - header_at)
    throw FileError(label, "is truncated inside its header");
  HeaderParser h(std::string_view(bytes).substr(header_at, header_len), label);
  NpyArray a;
  a.label = label;
  bool have_descr = false, have_order = false, have_shape = false;
  h.expect('{', "at its start");
  while (!h.take('}')) {
    const std::string key = h.quoted();
    h.expect(':', "after a key");
    if (key == "descr" && !have_descr) {
      if (h.peek('[')) throw FileError(label, "holds a structured dtype, which is not read");
      a.descr = h.quoted();
      if (!parse_descr(a.descr, a)) {
        throw FileError(label, "has dtype '" + echoed(a.descr) +
                                   "': bool, integers, float32 and float64 are read");
      }
      have_descr = true;
    } else if (key == "fortran_order" && !have_order) {
      a.fortran_order = h.boolean();
      have_order = true;
    } else if (key == "shape" && !have_shape) {
      a.shape = h.tuple();
      have_shape = true;
    } else {
      throw h.fail("has an unexpected or repeated key '" + echoed(key) + "'");
    }
    if (!h.take(',')) {
      h.expect('}', "at its end");
      break;
    }
  }
  if (!h.at_end()) throw h.fail("has text after its dict");
  if (!have_descr || !have_order || !have_shape)
    throw h.fail("lacks descr, fortran_order or shape");
  // The value count, without overflow: past the bytes present it only matters that it is.
  const uint64_t have = bytes.size() - header_at - header_len;
  uint64_t count = 1;
  bool beyond = false, empty = false;
  for (int64_t e : a.shape) {
    empty = empty || e == 0;
    if (e != 0 && count > have / static_cast<uint64_t>(e)) beyond = true;
    if (!beyond) count *= static_cast<uint64_t>(e);
  }
  if (empty) count = 0;
  if ((beyond && !empty) || count > have / a.item_size) {
    throw FileError(label, "is truncated: its header declares " + to_string(a.shape) + " " +
                               kind_name(a) + " values, " + std::to_string(have) +
                               " bytes of data follow");
  }
  if (count * a.item_size != have) {
    throw FileError(label, "has " + std::to_string(have - count * a.item_size) +
                               " bytes after the values its header declares");
  }
  a.count = count;
  a.data = bytes.data() + header_at + header_len;
  return a;
}

std::vector<float> npy_floats(const NpyArray& a) {
  std::vector<float> out;
  out.reserve(a.count);
  in_c_order(a, [&](uint64_t k) { out.push_back(static_cast<float>(as_double(a, raw(a, k)))); });
  return out;
}

bool is_integer(const NpyArray& a) {
  return a.kind != NpyKind::Float;
}

std::vector<int64_t> npy_integers(const NpyArray& a) {
  if (!is_integer(a)) throw FileError(a.label, "holds " + describe(a) + "; integers are expected");
  std::vector<int64_t> out;
  out.reserve(a.count);
  in_c_order(a, [&](uint64_t k) {
    const uint64_t bits = raw(a, k);
    if (a.kind == NpyKind::Unsigned && a.item_size == 8 &&
        bits > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw FileError(a.label, "holds " + std::to_string(bits) + ", beyond int64");
    out.push_back(a.kind == NpyKind::Signed ? signed_value(a, bits)
                  : a.kind == NpyKind::Bool ? int64_t{bits != 0}
                                            : static_cast<int64_t>(bits));
  });
  return out;
}

std::string describe(const NpyArray& a) {
  return std::string(kind_name(a)) + " " + to_string(a.shape);
}

}  // namespace hess
