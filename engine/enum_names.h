#pragma once
// The one enum<->string mechanism. Every enum that a user types, a file stores or a message shows
// declares its names once, beside the enum, as a specialization of EnumNames: `what` names the
// concept in messages, `names` lists the names in the order of the enumerators (whose values are
// 0..N−1):
//
//   enum class Precision : uint8_t { F32, F64 };
//   template <>
//   struct EnumNames<Precision> {
//     static constexpr std::string_view what = "precision";
//     static constexpr std::string_view names[] = {"f32", "f64"};
//   };
//
// and every conversion goes through the functions below:
//
//   hess::name_of(Precision::F32)                 // "f32"
//   hess::parse_enum<Precision>("f64")            // Precision::F64
//   hess::parse_enum<Precision>("f16")            // std::invalid_argument
//                                                 //   "unknown precision 'f16' (f32, f64)"
//   hess::enum_names<Precision>()                 // "f32, f64"
//   for (Precision p : hess::enum_values<Precision>()) ...
//
// A name echoed in a message is cut at kMaxEchoedName characters (a hostile file may hold a
// megabyte-long op name).

#include <cassert>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace hess {

template <class E>
struct EnumNames;

template <class E>
concept NamedEnum = std::is_enum_v<E> && requires {
  { EnumNames<E>::what } -> std::convertible_to<std::string_view>;
  EnumNames<E>::names[0];
};

// The longest piece of a user's or a file's text repeated in a message.
constexpr size_t kMaxEchoedName = 64;

// `text` for a message: cut at kMaxEchoedName characters, with "…" when cut.
inline std::string echoed(std::string_view text) {
  if (text.size() <= kMaxEchoedName) return std::string(text);
  return std::string(text.substr(0, kMaxEchoedName)) + "…";
}

template <NamedEnum E>
constexpr size_t enum_count() {
  return std::size(EnumNames<E>::names);
}

template <NamedEnum E>
constexpr std::string_view name_of(E e) {
  const size_t i = static_cast<size_t>(e);
  assert(i < enum_count<E>());
  return EnumNames<E>::names[i];
}

// "a, b, c": the names, for messages and help texts.
template <NamedEnum E>
std::string enum_names() {
  std::string out;
  for (size_t i = 0; i < enum_count<E>(); ++i) {
    if (i) out += ", ";
    out += EnumNames<E>::names[i];
  }
  return out;
}

template <NamedEnum E>
std::vector<E> enum_values() {
  std::vector<E> out;
  for (size_t i = 0; i < enum_count<E>(); ++i) out.push_back(static_cast<E>(i));
  return out;
}

// The value named `name`; throws std::invalid_argument "unknown WHAT 'NAME' (a, b, c)".
template <NamedEnum E>
E parse_enum(std::string_view name) {
  for (size_t i = 0; i < enum_count<E>(); ++i) {
    if (EnumNames<E>::names[i] == name) return static_cast<E>(i);
  }
  throw std::invalid_argument("unknown " + std::string(EnumNames<E>::what) + " '" + echoed(name) +
                              "' (" + enum_names<E>() + ")");
}

}  // namespace hess
