#include "io/record.h"

#include <stdexcept>

namespace hess {

size_t Column::size() const {
  return std::visit([](const auto& v) { return v.size(); }, values);
}

Rows& Rows::names(std::string dataset, std::vector<std::string> values, std::string header) {
  name_column_ = static_cast<int>(columns_.size());
  columns_.push_back(Column{"", std::move(dataset), std::move(header), 0, std::move(values)});
  return *this;
}

unsigned default_channels(const RecordValue& v) {
  const bool list = std::holds_alternative<std::vector<int64_t>>(v) ||
                    std::holds_alternative<std::vector<double>>(v) ||
                    std::holds_alternative<std::vector<std::string>>(v) ||
                    std::holds_alternative<Matrix>(v);
  return kJson | (list ? kDataset : kAttr);
}

Field& Record::put(std::string key, RecordValue value) {
  for (Field& f : fields_) {
    if (f.key == key) {
      f.value = std::move(value);
      return f;
    }
  }
  Field f;
  f.channels = default_channels(value);
  f.key = std::move(key);
  f.value = std::move(value);
  order_.emplace_back(Part::Field, fields_.size());
  fields_.push_back(std::move(f));
  return fields_.back();
}

Rows& Record::rows(std::string key) {
  for (auto& [k, r] : tables_) {
    if (k == key) return r;
  }
  order_.emplace_back(Part::Table, tables_.size());
  tables_.emplace_back(std::move(key), Rows{});
  return tables_.back().second;
}

Record& Record::child(std::string key) {
  for (size_t i = 0; i < child_keys_.size(); ++i) {
    if (child_keys_[i] == key) return children_[i];
  }
  order_.emplace_back(Part::Child, children_.size());
  child_keys_.push_back(std::move(key));
  return children_.emplace_back();
}

Record& Record::merge(const Record& other) {
  for (const auto& [part, i] : other.order()) {
    if (part == Part::Table) {
      rows(other.tables()[i].first) = other.tables()[i].second;
    } else if (part == Part::Child) {
      child(other.child_keys()[i]) = other.children()[i];
    } else {
      const Field& f = other.fields()[i];
      put(f.key, f.value) = f;
    }
  }
  return *this;
}

const Field* Record::find(std::string_view key) const {
  for (const Field& f : fields_) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

double Record::number(std::string_view key) const {
  const Field* f = find(key);
  if (f) {
    if (const double* d = std::get_if<double>(&f->value)) return *d;
    if (const int64_t* i = std::get_if<int64_t>(&f->value)) return static_cast<double>(*i);
  }
  throw std::out_of_range("record: no number '" + std::string(key) + "'");
}

std::string Record::text(std::string_view key) const {
  const Field* f = find(key);
  if (f) {
    if (const std::string* s = std::get_if<std::string>(&f->value)) return *s;
  }
  throw std::out_of_range("record: no string '" + std::string(key) + "'");
}

}  // namespace hess
