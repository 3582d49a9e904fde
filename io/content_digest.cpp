#include "io/content_digest.h"

#include <type_traits>
#include <variant>

#include "io/sha256.h"

namespace hess {

namespace {

// Feeds values, each list with its length first.
class Feed {
 public:
  Feed& number(int64_t v) {
    sha_.update(&v, sizeof v);
    return *this;
  }
  Feed& real(double v) {
    sha_.update(&v, sizeof v);
    return *this;
  }
  Feed& text(const std::string& s) {
    number(static_cast<int64_t>(s.size()));
    sha_.update(s.data(), s.size());
    return *this;
  }
  template <class T>
  Feed& values(const T* p, size_t n) {
    static_assert(std::is_arithmetic_v<T>);
    number(static_cast<int64_t>(n));
    sha_.update(p, n * sizeof(T));
    return *this;
  }
  template <class T>
  Feed& values(const std::vector<T>& v) {
    return values(v.data(), v.size());
  }
  std::string hex() { return sha_.hex(); }

 private:
  Sha256 sha_;
};

void feed_attrs(Feed& f, const Attrs& attrs) {
  f.number(static_cast<int64_t>(attrs.all().size()));
  for (const auto& [key, value] : attrs.all()) {
    f.text(key).number(static_cast<int64_t>(value.index()));
    std::visit(
        [&f](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, int64_t>) {
            f.number(v);
          } else if constexpr (std::is_same_v<V, double>) {
            f.real(v);
          } else if constexpr (std::is_same_v<V, std::string>) {
            f.text(v);
          } else {
            f.values(v);
          }
        },
        value);
  }
}

}  // namespace

std::string model_digest(const Model& model) {
  const Graph& g = model.graph;
  Feed f;
  f.values(g.input_shape)
      .number(static_cast<int64_t>(g.label_kind))
      .number(g.target_dim)
      .number(g.input)
      .number(g.label)
      .number(g.output)
      .number(g.loss);
  f.number(static_cast<int64_t>(g.nodes.size()));
  for (const Node& n : g.nodes) {
    f.text(n.name).number(static_cast<int64_t>(n.op)).values(n.inputs);
    feed_attrs(f, n.attrs);
    f.number(n.block).number(n.constant);
  }
  f.number(static_cast<int64_t>(g.blocks.size()));
  for (const Block& b : g.blocks)
    f.text(b.name).values(b.shape).number(static_cast<int64_t>(b.role)).number(b.offset);
  f.number(static_cast<int64_t>(g.constants.size()));
  for (const Tensor<double>& c : g.constants) {
    f.values(c.shape()).values(c.data(), static_cast<size_t>(c.size()));
  }
  f.values(model.theta);
  return f.hex();
}

std::string data_digest(const Dataset& d) {
  Feed f;
  f.values(d.sample_shape)
      .values(d.values(), d.num_values())
      .values(d.labels)
      .values(d.targets)
      .number(d.target_dim);
  return f.hex();
}

}  // namespace hess
