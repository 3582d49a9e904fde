#pragma once
// A small JSON reader for the command-line tests: parses what `--json` prints into a tree, so tests
// check keys and values rather than substrings.
//
//   hess::test::JsonValue j = hess::test::parse_json(r.out);
//   CHECK(j.has("eigenvalues"));
//   std::vector<double> ev = j["eigenvalues"].numbers();
//   double trace = j["per_layer"]["fc1"]["trace"].number();

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hess::test {

struct JsonValue {
  enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
  bool boolean = false;
  double value = 0.0;
  std::string text;
  std::vector<JsonValue> items;                            // Array
  std::vector<std::pair<std::string, JsonValue>> members;  // Object, in order

  bool has(const std::string& key) const;
  // The member `key`; throws std::runtime_error naming it when absent or not an object.
  const JsonValue& operator[](const std::string& key) const;
  // Member names in order.
  std::vector<std::string> keys() const;
  // A number (throws unless Number); numbers() for an array of numbers.
  double number() const;
  std::vector<double> numbers() const;
};

// Throws std::runtime_error on malformed input or trailing characters other than whitespace.
JsonValue parse_json(const std::string& text);

}  // namespace hess::test
