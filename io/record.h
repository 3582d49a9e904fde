#pragma once
// A result described once. A Record is an ordered list of named values, each marked with where it
// goes; every output of a run is produced from it:
//
//   the JSON object of `--json`                 io/json.h        to_json(record)
//   the attributes and datasets of its group    io/result_file.h ResultGroup::write(record)
//   the table printed on a terminal             tools/           print_record(record)
//
// so an analysis writes its outputs once, and the three cannot disagree.
//
//   hess::Record r;
//   r.add("eigenvalues", values);                              // JSON + dataset
//   r.add("method", "lanczos");                                // JSON + attribute
//   r.add("tol", 1e-10).only(hess::kAttr);                     // attribute only
//   r.add("lambda_max", 12.5).show("lambda_max", 8, "residual 3e-11");   // + a table row
//   r.add("model", "m.h5").head();                             // + a heading line "model  m.h5"
//   hess::Rows& layers = r.rows("per_layer");                  // one row per layer:
//   layers.names("layer_names", {"fc1", "fc2"}, "layer");      //   JSON {"fc1": {...}, ...}
//   layers.column("trace", "layer_traces", "trace", {1.5, 0.5}); //  datasets layer_names, ...
//   r.footer = "hutchinson: 30 probes, 30 HVPs, 0.1 s";        // the last line of the text
//   hess::Record& a = r.child("allocation");                   // a nested object in JSON, its
//   a.add("size_bytes", 1200.0).show("size");                  //   own section of the text; not
//                                                              //   in the group (a run commits
//                                                              //   it as a group of its own)
//
// Values: null, bool, integer, real, string, lists of integers, reals or strings, and real arrays
// of any rank (Matrix, row-major). Scalars go to attributes and lists to datasets by default.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "engine/shape.h"

namespace hess {

// Where a field goes (bit flags).
enum RecordChannel : unsigned {
  kJson = 1,     // a key of the JSON object
  kAttr = 2,     // an attribute of the result group
  kDataset = 4,  // a dataset of the result group
  kText = 8,     // a row of the printed table (label, value, detail)
  kHead = 16,    // a heading line of the printed output ("label  value")
};

// A real array of any rank, row-major.
struct Matrix {
  Shape shape;
  std::vector<double> values;
};

struct Null {};

using RecordValue = std::variant<Null, bool, int64_t, double, std::string, std::vector<int64_t>,
                                 std::vector<double>, std::vector<std::string>, Matrix>;

struct Field {
  std::string key;
  RecordValue value;
  unsigned channels = 0;
  std::string label;   // text: the row's or heading's label ("" = the key)
  int digits = 6;      // text: significant digits of reals
  std::string detail;  // text: the third column

  // Sends the field to exactly these channels.
  Field& only(unsigned c) {
    channels = c;
    return *this;
  }
  // Adds a table row.
  Field& show(std::string row_label = "", int significant = 6, std::string row_detail = "") {
    channels |= kText;
    label = std::move(row_label);
    digits = significant;
    detail = std::move(row_detail);
    return *this;
  }
  // Adds a heading line.
  Field& head(std::string heading = "") {
    channels |= kHead;
    label = std::move(heading);
    return *this;
  }
};

// One column of a Rows table: a value per row.
struct Column {
  std::string key;      // JSON key inside a row ("" = not in JSON)
  std::string dataset;  // dataset of the result group ("" = not written)
  std::string header;   // table header ("" = not printed)
  int digits = 6;
  std::variant<std::vector<int64_t>, std::vector<double>, std::vector<std::string>,
               std::vector<std::vector<double>>, std::vector<std::vector<int64_t>>>
      values;  // vector-valued cells become rows of a 2-D dataset (all of one length)
  size_t size() const;
};

// A table of rows with the same columns (per-layer results, checkpoints along a run, blocks).
// JSON: an object keyed by the name column when there is one, else an array of objects.
class Rows {
 public:
  // The column naming the rows: JSON keys of the object.
  Rows& names(std::string dataset, std::vector<std::string> values, std::string header = "");
  template <class V>
  Rows& column(std::string key, std::string dataset, std::string header, V values, int digits = 6) {
    columns_.push_back(
        Column{std::move(key), std::move(dataset), std::move(header), digits, std::move(values)});
    return *this;
  }
  // Sends the table to exactly these channels (kJson, kDataset, kText); all three by default.
  Rows& only(unsigned c) {
    channels_ = c;
    return *this;
  }
  unsigned channels() const { return channels_; }
  const std::vector<Column>& columns() const { return columns_; }
  // Index of the name column, or -1.
  int name_column() const { return name_column_; }
  size_t size() const { return columns_.empty() ? 0 : columns_.front().size(); }

 private:
  std::vector<Column> columns_;
  int name_column_ = -1;
  unsigned channels_ = kJson | kDataset | kText;
};

class Record {
 public:
  // Adds a field sent to JSON and, by its kind, to an attribute (scalars) or a dataset (lists and
  // arrays). A key already present is replaced in place. Integers of any width become int64,
  // character strings std::string.
  Field& put(std::string key, RecordValue value);
  template <class V>
  Field& add(std::string key, V&& value) {
    using T = std::decay_t<V>;
    if constexpr (std::is_same_v<T, bool>) {
      return put(std::move(key), RecordValue(value));
    } else if constexpr (std::is_integral_v<T>) {
      return put(std::move(key), RecordValue(static_cast<int64_t>(value)));
    } else if constexpr (std::is_convertible_v<T, std::string_view> &&
                         !std::is_same_v<T, std::string>) {
      return put(std::move(key), RecordValue(std::string(std::string_view(value))));
    } else {
      return put(std::move(key), RecordValue(std::forward<V>(value)));
    }
  }
  // A table of rows under `key` (JSON), whose columns are datasets.
  Rows& rows(std::string key);
  // A nested record under `key`: an object in JSON and a section of the text after this record's
  // own, never part of this record's group. The reference lasts until the next child() call.
  Record& child(std::string key);
  // Appends every field, table and child of `other` (replacing those of the same key).
  Record& merge(const Record& other);

  const std::vector<Field>& fields() const { return fields_; }
  const std::vector<std::pair<std::string, Rows>>& tables() const { return tables_; }
  const std::vector<std::string>& child_keys() const { return child_keys_; }
  const std::vector<Record>& children() const { return children_; }
  // What order() lists.
  enum class Part : uint8_t { Field, Table, Child };
  // Fields, tables and children in the order they were added: (Part::Table, i) is tables()[i],
  // (Part::Field, i) fields()[i], (Part::Child, i) children()[i]. JSON keeps this order.
  const std::vector<std::pair<Part, size_t>>& order() const { return order_; }
  // The field `key`, or nullptr.
  const Field* find(std::string_view key) const;
  // The value of field `key` as a real or an integer; throws std::out_of_range when absent or not
  // a number.
  double number(std::string_view key) const;
  std::string text(std::string_view key) const;

  // Printed after the tables: the cost and outcome line.
  std::string footer;
  // The heading lines' labels are padded to the longest, and to at least this many characters.
  size_t head_width = 0;

 private:
  std::vector<Field> fields_;
  std::vector<std::pair<std::string, Rows>> tables_;
  std::vector<std::string> child_keys_;
  std::vector<Record> children_;  // aligned with child_keys_
  std::vector<std::pair<Part, size_t>> order_;
};

// The default channels of a value: kJson plus kAttr for scalars, kDataset for lists and arrays.
unsigned default_channels(const RecordValue& v);

}  // namespace hess
