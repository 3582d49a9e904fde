#pragma once
// A caller mistake in one field of an Options struct: thrown by every `validate()` (and by the
// checks a `run()` makes of its options against the problem, such as k beyond P). It names the
// field, so the command line can name the flag the user typed instead:
//
//   throw hess::FieldError("max_probes", "must be at least 6 for hutchpp");
//   // what(): "max_probes must be at least 6 for hutchpp"
//   // hessian trace --probes 4: "hessian: error: --probes must be at least 6 for hutchpp"
//
// A requirement may name other fields as {field}: they are rendered the same way
// ("is missing (or give {arch})" → what(): "model is missing (or give arch)", on the command line
// "--model is missing (or give --arch)").
//
// It is a std::invalid_argument, so code that only cares that the caller erred catches that.

#include <cmath>
#include <concepts>
#include <functional>
#include <stdexcept>
#include <string>

#include "engine/number_format.h"

namespace hess {

// `text` with every {field} replaced by name(field) (also for warnings that name fields,
// runs/observer.h).
inline std::string name_fields(const std::string& text,
                               const std::function<std::string(const std::string&)>& name) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const size_t close = text[i] == '{' ? text.find('}', i) : std::string::npos;
    if (close == std::string::npos || close == i + 1 ||
        text.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_", i + 1) != close) {
      out += text[i];
      continue;
    }
    out += name(text.substr(i + 1, close - i - 1));
    i = close;
  }
  return out;
}

class FieldError : public std::invalid_argument {
 public:
  FieldError(std::string field, std::string requirement)
      : std::invalid_argument(compose(field, requirement, [](const std::string& f) { return f; })),
        field_(std::move(field)),
        requirement_(std::move(requirement)) {}
  // The field's name in its Options struct ("max_probes").
  const std::string& field() const { return field_; }
  // What is wrong with it, without the name ("must be at least 6 for hutchpp"); one starting with
  // ':' follows the name without a space ("x: N must be at least 2").
  const std::string& requirement() const { return requirement_; }
  // The message with every field named by `name` (what() is render(identity)).
  std::string render(const std::function<std::string(const std::string&)>& name) const {
    return compose(field_, requirement_, name);
  }

 private:
  static std::string compose(const std::string& field, const std::string& requirement,
                             const std::function<std::string(const std::string&)>& name) {
    return name(field) + (requirement.starts_with(':') ? "" : " ") + name_fields(requirement, name);
  }
  std::string field_, requirement_;
};

// The checks validate() makes most, with one wording for every field:
// "must be at least MIN[ WHY] (got V)".
template <std::integral I>
void require_at_least(const std::string& field, I value, I min, const std::string& why = "") {
  if (value >= min) return;
  throw FieldError(field, "must be at least " + std::to_string(min) + (why.empty() ? "" : " ") +
                              why + " (got " + std::to_string(value) + ")");
}
// "must be positive and finite (got V)".
inline void require_positive_finite(const std::string& field, double value) {
  if (value > 0.0 && std::isfinite(value)) return;
  throw FieldError(field, "must be positive and finite (got " + shortest(value) + ")");
}
// "must be non-negative and finite (got V)".
inline void require_non_negative_finite(const std::string& field, double value) {
  if (value >= 0.0 && std::isfinite(value)) return;
  throw FieldError(field, "must be non-negative and finite (got " + shortest(value) + ")");
}

}  // namespace hess
