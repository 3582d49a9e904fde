#include "tools/json.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace hess::cli {

Json& Json::set(const std::string& key, Json value) {
  Object* o = std::get_if<Object>(&v_);
  if (!o) throw std::logic_error("Json::set on a non-object");
  for (auto& kv : *o) {
    if (kv.first == key) {
      kv.second = std::move(value);
      return *this;
    }
  }
  o->emplace_back(key, std::move(value));
  return *this;
}

Json& Json::push(Json value) {
  Array* a = std::get_if<Array>(&v_);
  if (!a) throw std::logic_error("Json::push on a non-array");
  a->push_back(std::move(value));
  return *this;
}

std::string Json::dump() const {
  std::string out;
  dump_to(out);
  return out;
}

namespace {
void escape(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}
}  // namespace

void Json::dump_to(std::string& out) const {
  if (std::holds_alternative<std::monostate>(v_)) {
    out += "null";
  } else if (const bool* b = std::get_if<bool>(&v_)) {
    out += *b ? "true" : "false";
  } else if (const int64_t* i = std::get_if<int64_t>(&v_)) {
    out += std::to_string(*i);
  } else if (const double* d = std::get_if<double>(&v_)) {
    if (!std::isfinite(*d)) {
      out += "null";
    } else {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", *d);
      out += buf;
    }
  } else if (const std::string* s = std::get_if<std::string>(&v_)) {
    escape(*s, out);
  } else if (const Array* a = std::get_if<Array>(&v_)) {
    out += '[';
    for (size_t k = 0; k < a->size(); ++k) {
      if (k) out += ", ";
      (*a)[k].dump_to(out);
    }
    out += ']';
  } else {
    const Object& o = std::get<Object>(v_);
    out += '{';
    for (size_t k = 0; k < o.size(); ++k) {
      if (k) out += ", ";
      escape(o[k].first, out);
      out += ": ";
      o[k].second.dump_to(out);
    }
    out += '}';
  }
}

}  // namespace hess::cli
