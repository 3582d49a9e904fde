#pragma once
// A small JSON value for `--json` output (one object per command on stdout) and the JSON form of a
// Record (io/record.h).
//
//   hess::Json j = hess::Json::object();
//   j.set("parameters", int64_t{101770}).set("loss", 0.31);
//   j.set("eigenvalues", hess::Json::array_of(values));
//   std::puts(j.dump().c_str());
//   std::puts(hess::to_json(record).dump().c_str());
//
// Reals are written in the shortest form that reads back to the same double (0.1, not
// 0.10000000000000001); non-finite numbers as null (JSON has no NaN).

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "io/record.h"

namespace hess {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;  // null
  Json(bool b) : v_(b) {}
  Json(int v) : v_(static_cast<int64_t>(v)) {}
  Json(int64_t v) : v_(v) {}
  Json(double v) : v_(v) {}
  Json(const char* s) : v_(std::string(s)) {}
  Json(std::string s) : v_(std::move(s)) {}
  Json(std::string_view s) : v_(std::string(s)) {}
  Json(Array a) : v_(std::move(a)) {}

  static Json object() {
    Json j;
    j.v_ = Object{};
    return j;
  }
  static Json array() {
    Json j;
    j.v_ = Array{};
    return j;
  }
  template <class Seq>
  static Json array_of(const Seq& values) {
    Json j = array();
    for (const auto& v : values) j.push(Json(v));
    return j;
  }

  // Object: sets key (replacing an existing one). Array: appends.
  Json& set(const std::string& key, Json value);
  Json& push(Json value);

  std::string dump() const;

 private:
  void dump_to(std::string& out) const;
  std::variant<std::monostate, bool, int64_t, double, std::string, Array, Object> v_;
};

// The JSON object of a record: its kJson fields and its tables, in the order they were added.
Json to_json(const Record& r);

}  // namespace hess
