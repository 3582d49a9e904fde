#include "io/fingerprint.h"

#include <algorithm>
#include <stdexcept>

#include "engine/number_format.h"

namespace hess {

namespace {
constexpr const char* kSettingsGroup = "settings";
}

Fingerprint& Fingerprint::add(std::string key, std::string value) {
  entries_.emplace_back(std::move(key), std::move(value));
  return *this;
}

Fingerprint& Fingerprint::add(std::string key, double value) {
  return add(std::move(key), shortest(value));
}

Fingerprint& Fingerprint::add(std::string key, int64_t value) {
  return add(std::move(key), std::to_string(value));
}

Fingerprint& Fingerprint::add(std::string key, uint64_t value) {
  return add(std::move(key), std::to_string(value));
}

std::string Fingerprint::first_difference(const Fingerprint& stored) const {
  for (const auto& [k, v] : entries_) {
    const std::string& key = k;  // clang 14 cannot capture a structured binding in a lambda
    const auto it = std::find_if(stored.entries_.begin(), stored.entries_.end(),
                                 [&](const auto& p) { return p.first == key; });
    const std::string was = it == stored.entries_.end() ? std::string("(absent)") : it->second;
    if (was != v) return k + " " + was + " there, " + v + " in this run";
  }
  for (const auto& [k, v] : stored.entries_) {
    const std::string& key = k;
    if (std::none_of(entries_.begin(), entries_.end(),
                     [&](const auto& p) { return p.first == key; }))
      return k + " " + v + " there, (absent) in this run";
  }
  return {};
}

std::string Fingerprint::text() const {
  std::string out;
  for (const auto& [k, v] : entries_) out += k + "=" + v + "\n";
  return out;
}

void Fingerprint::write(h5::Group& g) const {
  if (g.has(kSettingsGroup)) g.remove(kSettingsGroup);
  h5::Group s = g.create_group(kSettingsGroup);
  std::vector<std::string> order;
  for (const auto& [k, v] : entries_) {
    s.set_attr(k, h5::Value(v));
    order.push_back(k);
  }
  s.set_attr("order", h5::Value(order));
}

Fingerprint Fingerprint::read(const h5::Group& g) {
  Fingerprint f;
  if (!g.has_group(kSettingsGroup)) return f;
  const h5::Group s = g.group(kSettingsGroup);
  if (s.has_attr("order")) {
    for (const std::string& k : s.strings_attr("order"))
      f.add(k, s.has_attr(k) ? s.string_attr(k) : std::string("(absent)"));
    return f;
  }
  for (const std::string& k : s.attr_names()) f.add(k, s.string_attr(k));
  return f;
}

void refuse_other(const h5::Group& g, const Fingerprint& here, const std::string& where,
                  const std::string& what) {
  const std::string diff = here.first_difference(Fingerprint::read(g));
  if (diff.empty()) return;
  throw std::runtime_error(where + " holds another " + what + " (" + diff +
                           "); it is left as it is: give another output file, or remove it to "
                           "start afresh");
}

}  // namespace hess
