#pragma once
// Attributes of a graph node: a small name -> value map (integers, reals, integer lists, strings).
// Getters throw std::invalid_argument naming the attribute when it is missing or of another type.

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace hess {

using AttrValue = std::variant<int64_t, double, std::vector<int64_t>, std::string>;

class Attrs {
 public:
  void set(const std::string& key, AttrValue v) { values_[key] = std::move(v); }
  bool has(const std::string& key) const { return values_.count(key) != 0; }

  int64_t get_int(const std::string& key) const;
  int64_t get_int(const std::string& key, int64_t fallback) const;
  double get_float(const std::string& key) const;
  double get_float(const std::string& key, double fallback) const;
  const std::vector<int64_t>& get_ints(const std::string& key) const;
  std::vector<int64_t> get_ints(const std::string& key, std::vector<int64_t> fallback) const;
  const std::string& get_string(const std::string& key) const;
  std::string get_string(const std::string& key, const std::string& fallback) const;

  const std::map<std::string, AttrValue>& all() const { return values_; }
  bool operator==(const Attrs& o) const { return values_ == o.values_; }

 private:
  std::map<std::string, AttrValue> values_;
};

}  // namespace hess
