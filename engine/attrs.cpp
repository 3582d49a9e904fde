#include "engine/attrs.h"

#include <stdexcept>

namespace hess {

namespace {
template <class V>
const V& get_typed(const std::map<std::string, AttrValue>& m, const std::string& key,
                   const char* type) {
  auto it = m.find(key);
  if (it == m.end()) throw std::invalid_argument("missing attribute '" + key + "'");
  if (const V* v = std::get_if<V>(&it->second)) return *v;
  throw std::invalid_argument("attribute '" + key + "' is not " + type);
}
}  // namespace

int64_t Attrs::get_int(const std::string& key) const {
  return get_typed<int64_t>(values_, key, "an integer");
}
int64_t Attrs::get_int(const std::string& key, int64_t fallback) const {
  return has(key) ? get_int(key) : fallback;
}
double Attrs::get_float(const std::string& key) const {
  auto it = values_.find(key);
  if (it != values_.end()) {
    if (const int64_t* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  }
  return get_typed<double>(values_, key, "a number");
}
double Attrs::get_float(const std::string& key, double fallback) const {
  return has(key) ? get_float(key) : fallback;
}
const std::vector<int64_t>& Attrs::get_ints(const std::string& key) const {
  return get_typed<std::vector<int64_t>>(values_, key, "an integer list");
}
std::vector<int64_t> Attrs::get_ints(const std::string& key, std::vector<int64_t> fallback) const {
  return has(key) ? get_ints(key) : fallback;
}
const std::string& Attrs::get_string(const std::string& key) const {
  return get_typed<std::string>(values_, key, "a string");
}
std::string Attrs::get_string(const std::string& key, const std::string& fallback) const {
  return has(key) ? get_string(key) : fallback;
}

}  // namespace hess
