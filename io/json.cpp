#include "io/json.h"

#include "engine/number_format.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace hess {

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
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
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
      out += shortest(*d);
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

}  // namespace hess

namespace hess {

namespace {

Json value_json(const RecordValue& v) {
  return std::visit(
      [](const auto& x) -> Json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, Null>) {
          return Json();
        } else if constexpr (std::is_same_v<T, Matrix>) {
          // Nested arrays, row-major: rank 2 gives a list of rows.
          if (x.shape.size() <= 1) return Json::array_of(x.values);
          const int64_t inner = x.shape.back();
          Json rows = Json::array();
          for (size_t i = 0; i + inner <= x.values.size() && inner > 0; i += inner) {
            rows.push(Json::array_of(
                std::vector<double>(x.values.begin() + i, x.values.begin() + i + inner)));
          }
          return rows;
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>> ||
                             std::is_same_v<T, std::vector<double>> ||
                             std::is_same_v<T, std::vector<std::string>>) {
          return Json::array_of(x);
        } else {
          return Json(x);
        }
      },
      v);
}

// Cell `row` of a column as JSON.
Json cell_json(const Column& c, size_t row) {
  return std::visit(
      [row](const auto& values) -> Json {
        using T = typename std::decay_t<decltype(values)>::value_type;
        if constexpr (std::is_same_v<T, std::vector<double>> ||
                      std::is_same_v<T, std::vector<int64_t>>) {
          return Json::array_of(values[row]);
        } else {
          return Json(values[row]);
        }
      },
      c.values);
}

Json rows_json(const Rows& t) {
  const int name = t.name_column();
  Json out = name >= 0 ? Json::object() : Json::array();
  for (size_t i = 0; i < t.size(); ++i) {
    Json row = Json::object();
    for (const Column& c : t.columns()) {
      if (!c.key.empty()) row.set(c.key, cell_json(c, i));
    }
    if (name >= 0) {
      out.set(std::get<std::vector<std::string>>(t.columns()[name].values)[i], std::move(row));
    } else {
      out.push(std::move(row));
    }
  }
  return out;
}

}  // namespace

Json to_json(const Record& r) {
  Json j = Json::object();
  for (const auto& [part, i] : r.order()) {
    if (part == Record::Part::Table) {
      if (r.tables()[i].second.channels() & kJson)
        j.set(r.tables()[i].first, rows_json(r.tables()[i].second));
    } else if (part == Record::Part::Child) {
      j.set(r.child_keys()[i], to_json(r.children()[i]));
    } else if (r.fields()[i].channels & kJson) {
      j.set(r.fields()[i].key, value_json(r.fields()[i].value));
    }
  }
  return j;
}

}  // namespace hess
