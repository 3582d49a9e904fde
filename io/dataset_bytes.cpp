#include "io/dataset_bytes.h"

#include <cstring>

#include "io/file_error.h"

namespace hess {

namespace {

constexpr char kMagic[8] = {'H', 'E', 'S', 'S', 'D', 'A', 'T', '1'};

class Writer {
 public:
  void raw(const void* p, size_t n) {
    if (n > 0) out_.append(static_cast<const char*>(p), n);  // p may be null when n is 0
  }
  void i64(int64_t v) { raw(&v, sizeof v); }
  void str(const std::string& s) {
    i64(static_cast<int64_t>(s.size()));
    raw(s.data(), s.size());
  }
  template <class T>
  void vec(const T* data, size_t n) {
    i64(static_cast<int64_t>(n));
    raw(data, n * sizeof(T));
  }
  template <class T>
  void vec(const std::vector<T>& v) {
    vec(v.data(), v.size());
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(const std::string& bytes, const std::string& label) : bytes_(bytes), label_(label) {}
  void raw(void* p, size_t n) {
    if (n > bytes_.size() - pos_)
      throw FileError(label_, "the data handed back by the reading process is cut short");
    if (n == 0) return;  // p may be the null data() of an empty vector
    std::memcpy(p, bytes_.data() + pos_, n);
    pos_ += n;
  }
  int64_t i64() {
    int64_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  // A count of items of `size` bytes that the remaining bytes can hold.
  size_t count(size_t size) {
    const int64_t n = i64();
    if (n < 0 || static_cast<uint64_t>(n) > (bytes_.size() - pos_) / size) {
      throw FileError(label_, "the data handed back by the reading process is inconsistent");
    }
    return static_cast<size_t>(n);
  }
  std::string str() {
    std::string s(count(1), '\0');
    raw(s.data(), s.size());
    return s;
  }
  template <class T>
  std::vector<T> vec() {
    std::vector<T> v(count(sizeof(T)));
    raw(v.data(), v.size() * sizeof(T));
    return v;
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  const std::string& bytes_;
  const std::string& label_;
  size_t pos_ = 0;
};

}  // namespace

std::string pack_data(const DataFile& d) {
  Writer w;
  w.raw(kMagic, sizeof kMagic);
  w.vec(d.data.sample_shape);
  w.i64(d.data.target_dim);
  w.str(d.provenance.source);
  w.str(d.provenance.preprocessing);
  w.vec(d.data.values(), d.data.num_values());
  w.vec(d.data.labels);
  w.vec(d.data.targets);
  return w.take();
}

DataFile unpack_data(const std::string& bytes, const std::string& label) {
  Reader r(bytes, label);
  char magic[sizeof kMagic];
  r.raw(magic, sizeof magic);
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) {
    throw FileError(label, "the data handed back by the reading process is not a data set");
  }
  DataFile d;
  d.data.sample_shape = r.vec<int64_t>();
  d.data.target_dim = r.i64();
  d.provenance.source = r.str();
  d.provenance.preprocessing = r.str();
  d.data.x = r.vec<float>();
  d.data.labels = r.vec<int64_t>();
  d.data.targets = r.vec<float>();
  if (!r.done())
    throw FileError(label, "the data handed back by the reading process is inconsistent");
  return d;
}

}  // namespace hess
