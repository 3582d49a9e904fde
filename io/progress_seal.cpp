#include "io/progress_seal.h"

#include <cstring>
#include <type_traits>
#include <variant>

#include "io/hdf5_dataset.h"
#include "io/sha256.h"

namespace hess {

namespace {

constexpr const char* kDatasetHashAttr = "sha256";
// What marks a progress array (io/result_file.h): its not-yet-computed value.
constexpr const char* kProgressArrayAttr = "missing_value";

// The bytes the seal hashes, in a fixed order: every attribute but the seal (sorted by name), then
// every child (sorted): datasets by shape and values, groups recursively.
class SealText {
 public:
  void add(const std::string& s) {
    const uint64_t n = s.size();
    text_.append(reinterpret_cast<const char*>(&n), sizeof n);
    text_ += s;
  }
  template <class T>
  void add_values(const std::vector<T>& v) {
    const uint64_t n = v.size();
    text_.append(reinterpret_cast<const char*>(&n), sizeof n);
    text_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  void add_value(const h5::Value& v) {
    std::visit(
        [this](const auto& x) {
          using X = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<X, std::string>) {
            add(x);
          } else if constexpr (std::is_arithmetic_v<X>) {
            add_values(std::vector<X>{x});
          } else if constexpr (std::is_same_v<X, std::vector<std::string>>) {
            for (const std::string& s : x) add(s);
          } else {
            add_values(x);
          }
        },
        v);
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::string dataset_hash(const h5::Dataset& d) {
  SealText t;
  t.add_values(d.shape());
  if (d.dtype().cls == h5::DType::String) {
    for (const std::string& s : d.read_strings()) t.add(s);
  } else {
    t.add_values(d.read<double>());
  }
  return sha256_hex(t.text().data(), t.text().size());
}

// Sealing reuses the hash a dataset keeps as its attribute (computed at its first seal: datasets of
// a progress group other than its progress arrays are written once), so a flush rereads only the
// progress arrays; checking recomputes every hash.
enum class Mode { Seal, Check };

// The hashed text of `g`; false (Check) when a dataset's kept hash differs from its content.
bool hash_group(const h5::Group& g, Mode mode, SealText& t) {
  for (const std::string& a : g.attr_names()) {
    if (a == kProgressSealAttr) continue;
    t.add(a);
    t.add_value(g.attr(a));
  }
  for (const std::string& c : g.children()) {
    t.add(c);
    if (g.has_group(c)) {
      if (!hash_group(g.group(c), mode, t)) return false;
      continue;
    }
    h5::Dataset d = g.dataset(c);
    // A progress array changes between seals: hashed anew each time, never kept.
    const bool changing = d.has_attr(kProgressArrayAttr);
    const bool kept = !changing && d.has_attr(kDatasetHashAttr);
    std::string hash;
    if (mode == Mode::Seal && kept) {
      hash = d.string_attr(kDatasetHashAttr);
    } else {
      hash = dataset_hash(d);
      if (mode == Mode::Check && kept && d.string_attr(kDatasetHashAttr) != hash) return false;
      if (mode == Mode::Seal && !changing) d.set_attr(kDatasetHashAttr, h5::Value{hash});
    }
    t.add(hash);
  }
  return true;
}

}  // namespace

void seal_progress(h5::Group& group) {
  SealText t;
  hash_group(group, Mode::Seal, t);
  group.set_attr(kProgressSealAttr, h5::Value{sha256_hex(t.text().data(), t.text().size())});
}

std::string progress_damage(const h5::Group& group) {
  if (!group.has_attr(kProgressSealAttr)) return "it has no seal";
  SealText t;
  if (!hash_group(group, Mode::Check, t) ||
      group.string_attr(kProgressSealAttr) != sha256_hex(t.text().data(), t.text().size()))
    return "its content does not match its seal";
  return "";
}

}  // namespace hess
