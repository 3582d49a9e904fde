#include "support/json_value.h"

#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace hess::test {

namespace {

class Parser {
 public:
  explicit Parser(const std::string& s) : s_(s) {}

  JsonValue document() {
    JsonValue v = value();
    skip();
    if (at_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(at_));
  }
  void skip() {
    while (at_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[at_]))) ++at_;
  }
  bool accept(const std::string& word) {
    if (s_.compare(at_, word.size(), word) != 0) return false;
    at_ += word.size();
    return true;
  }
  void expect(char c) {
    skip();
    if (at_ >= s_.size() || s_[at_] != c) fail(std::string("expected '") + c + "'");
    ++at_;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (at_ < s_.size() && s_[at_] != '"') {
      char c = s_[at_++];
      if (c == '\\') {
        if (at_ >= s_.size()) fail("bad escape");
        const char e = s_[at_++];
        if (e == 'n')
          c = '\n';
        else if (e == 't')
          c = '\t';
        else if (e == 'u') {
          c = static_cast<char>(std::strtol(s_.substr(at_, 4).c_str(), nullptr, 16));
          at_ += 4;
        } else
          c = e;
      }
      out += c;
    }
    expect('"');
    return out;
  }
  JsonValue value() {
    skip();
    if (at_ >= s_.size()) fail("unexpected end");
    JsonValue v;
    const char c = s_[at_];
    if (c == '{') {
      v.kind = JsonValue::Kind::Object;
      ++at_;
      skip();
      if (accept("}")) return v;
      do {
        std::string key = string();
        expect(':');
        v.members.emplace_back(std::move(key), value());
        skip();
      } while (accept(","));
      expect('}');
    } else if (c == '[') {
      v.kind = JsonValue::Kind::Array;
      ++at_;
      skip();
      if (accept("]")) return v;
      do {
        v.items.push_back(value());
        skip();
      } while (accept(","));
      expect(']');
    } else if (c == '"') {
      v.kind = JsonValue::Kind::String;
      v.text = string();
    } else if (accept("true")) {
      v.kind = JsonValue::Kind::Bool;
      v.boolean = true;
    } else if (accept("false")) {
      v.kind = JsonValue::Kind::Bool;
    } else if (accept("null")) {
      v.kind = JsonValue::Kind::Null;
    } else {
      char* end = nullptr;
      v.value = std::strtod(s_.c_str() + at_, &end);
      if (end == s_.c_str() + at_) fail("bad value");
      v.kind = JsonValue::Kind::Number;
      at_ = static_cast<size_t>(end - s_.c_str());
    }
    return v;
  }

  const std::string& s_;
  size_t at_ = 0;
};

}  // namespace

bool JsonValue::has(const std::string& key) const {
  for (const auto& m : members) {
    if (m.first == key) return true;
  }
  return false;
}

const JsonValue& JsonValue::operator[](const std::string& key) const {
  for (const auto& m : members) {
    if (m.first == key) return m.second;
  }
  throw std::runtime_error("JSON: no key '" + key + "'");
}

std::vector<std::string> JsonValue::keys() const {
  std::vector<std::string> k;
  for (const auto& m : members) k.push_back(m.first);
  return k;
}

double JsonValue::number() const {
  if (kind != Kind::Number) throw std::runtime_error("JSON: not a number");
  return value;
}

std::vector<double> JsonValue::numbers() const {
  if (kind != Kind::Array) throw std::runtime_error("JSON: not an array");
  std::vector<double> out;
  for (const JsonValue& v : items) out.push_back(v.number());
  return out;
}

JsonValue parse_json(const std::string& text) {
  return Parser(text).document();
}

}  // namespace hess::test
