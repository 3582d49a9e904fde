#include "engine/shape.h"

#include <algorithm>
#include <charconv>

#include "engine/enum_names.h"
#include "engine/field_error.h"

namespace hess {

Shape parse_shape(const std::string& text, const std::string& field) {
  Shape s;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find('x', pos), text.size());
    int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data() + pos, text.data() + end, v);
    if (ec != std::errc() || p != text.data() + end || v <= 0)
      throw FieldError(field, "'" + echoed(text) + "' is not a shape like 1x28x28");
    s.push_back(v);
    pos = end + 1;
  }
  return s;
}

std::string to_string(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

int64_t numel_range(const Shape& s, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end && i < s.size(); ++i) n *= s[i];
  return n;
}

}  // namespace hess
