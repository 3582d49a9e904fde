#pragma once
// The lookup behind the enum<->string functions of the analyzers: an enum whose values are 0..N−1
// and a table of their names in that order.
//
//   constexpr std::string_view kBallNames[] = {"l2", "linf"};
//   Ball ball_from_name(std::string_view s) { return enum_from_name<Ball>(kBallNames, s, "ball"); }

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hess {

// The value named `name`; throws std::invalid_argument("unknown WHAT 'NAME' (a, b, c)").
template <class Enum, size_t N>
Enum enum_from_name(const std::string_view (&names)[N], std::string_view name, const char* what) {
  std::string known;
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
    known += (i ? ", " : "") + std::string(names[i]);
  }
  throw std::invalid_argument("unknown " + std::string(what) + " '" + std::string(name) + "' (" +
                              known + ")");
}

}  // namespace hess
