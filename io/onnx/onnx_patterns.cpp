#include "io/onnx/onnx_patterns.h"

#include <cmath>
#include <numbers>
#include <optional>
#include <vector>

#include "io/onnx/onnx_common.h"
#include "io/onnx/onnx_tensor.h"

namespace hess::onnx_import {

namespace {

// Constants are stored as float32: a match allows float32 rounding.
constexpr double kConstantRelTol = 1e-6;
constexpr double kGeluCubic = 0.044715;

const std::string kNone;

bool near(double v, double target) {
  return std::abs(v - target) <= kConstantRelTol * std::abs(target);
}

// A fused chain: its last node, the nodes it absorbs and the node replacing them.
struct Fusion {
  int last = -1;
  std::vector<int> absorbed;
  onnx::NodeProto node;
};

class Matcher {
 public:
  Matcher(const OnnxGraph& g,
          const std::unordered_map<std::string, const onnx::TensorProto*>& inits)
      : g_(g), inits_(inits) {}

  // The node producing `value` when its op type is `op`, else -1.
  int producer(const std::string& value, const char* op) const {
    const auto it = g_.producer.find(value);
    if (it == g_.producer.end() || g_.nodes[it->second].op_type() != op) return -1;
    const onnx::NodeProto& n = g_.nodes[it->second];
    if (!n.domain().empty() && n.domain() != "ai.onnx") return -1;
    return it->second;
  }
  // The only consumer of `value` when its op type is `op` (and nothing else reads the value), else
  // -1.
  int sole_consumer(const std::string& value, const char* op) const {
    if (g_.use_count(value) != 1) return -1;
    const auto it = g_.consumers.find(value);
    if (it == g_.consumers.end()) return -1;
    const int c = it->second.front();
    return g_.nodes[c].op_type() == op ? c : -1;
  }
  bool single_use(const std::string& value) const { return g_.use_count(value) == 1; }

  const onnx::NodeProto& node(int i) const { return g_.nodes[i]; }
  // Output 0 of node i and input k of a node, empty when absent (files may omit them).
  const std::string& out(int i) const { return arg_out(g_.nodes[i]); }
  static const std::string& arg_out(const onnx::NodeProto& n) {
    return n.output_size() > 0 ? n.output(0) : kNone;
  }
  static const std::string& arg(const onnx::NodeProto& n, int k) {
    return k < n.input_size() ? n.input(k) : kNone;
  }

  // The one-element value of a Constant node or initializer.
  std::optional<double> scalar(const std::string& value) const {
    const onnx::TensorProto* t = nullptr;
    const auto init = inits_.find(value);
    if (init != inits_.end()) {
      t = init->second;
    } else {
      const int c = producer(value, "Constant");
      if (c < 0) return std::nullopt;
      for (const onnx::AttributeProto& a : g_.nodes[c].attribute()) {
        if (a.name() == "value" && a.type() == onnx::AttributeProto::TENSOR) t = &a.t();
        if (a.name() == "value_float" && a.type() == onnx::AttributeProto::FLOAT) return a.f();
      }
    }
    if (!t) return std::nullopt;
    try {
      const StaticTensor s = read_tensor(*t);
      if (s.v0.size() != 1) return std::nullopt;
      return s.v0[0];
    } catch (const ImportFault&) {
      return std::nullopt;
    }
  }
  bool is_scalar(const std::string& value, double target) const {
    const std::optional<double> s = scalar(value);
    return s && near(*s, target);
  }

  // For a two-input node, the operand other than `x` ("" when x is not an operand).
  static std::string other(const onnx::NodeProto& n, const std::string& x) {
    if (n.input_size() != 2) return {};
    if (arg(n, 0) == x) return arg(n, 1);
    if (arg(n, 1) == x) return arg(n, 0);
    return {};
  }
  // For a two-input node with one scalar operand near `target`, the other operand.
  std::string operand_beside_scalar(const onnx::NodeProto& n, double target) const {
    if (n.input_size() != 2) return {};
    if (is_scalar(arg(n, 1), target)) return arg(n, 0);
    if (is_scalar(arg(n, 0), target)) return arg(n, 1);
    return {};
  }

  // The product 0.5 · x · p in any association, starting from p's consumer. Returns the last node.
  int half_x_times(const std::string& p, const std::string& x, std::vector<int>& absorbed) const {
    const int m1 = sole_consumer(p, "Mul");
    if (m1 < 0) return -1;
    const std::string q = other(node(m1), p);
    if (q.empty()) return -1;
    if (q == x) {  // (x · p) · 0.5
      const int m2 = sole_consumer(out(m1), "Mul");
      if (m2 < 0 || operand_beside_scalar(node(m2), 0.5) != out(m1)) return -1;
      absorbed.insert(absorbed.end(), {m1, m2});
      return m2;
    }
    if (is_scalar(q, 0.5)) {  // (0.5 · p) · x
      const int m2 = sole_consumer(out(m1), "Mul");
      if (m2 < 0 || other(node(m2), out(m1)) != x) return -1;
      absorbed.insert(absorbed.end(), {m1, m2});
      return m2;
    }
    const int h = producer(q, "Mul");  // (0.5 · x) · p
    if (h >= 0 && single_use(q) && operand_beside_scalar(node(h), 0.5) == x) {
      absorbed.insert(absorbed.end(), {h, m1});
      return m1;
    }
    return -1;
  }

  // 1 + f: the Add consuming f with a scalar 1 beside it.
  int plus_one(const std::string& f) const {
    const int a = sole_consumer(f, "Add");
    return a >= 0 && operand_beside_scalar(node(a), 1.0) == f ? a : -1;
  }

  std::optional<Fusion> gelu_erf(int e) const {
    const std::string d = node(e).input_size() == 1 ? arg(node(e), 0) : std::string();
    if (d.empty() || !single_use(d)) return std::nullopt;
    std::string x;
    int div = producer(d, "Div");
    if (div >= 0 && is_scalar(arg(node(div), 1), std::sqrt(2.0))) x = arg(node(div), 0);
    if (div < 0) {
      div = producer(d, "Mul");
      if (div >= 0) x = operand_beside_scalar(node(div), std::sqrt(0.5));
    }
    if (x.empty()) return std::nullopt;
    const int a = plus_one(out(e));
    if (a < 0) return std::nullopt;
    Fusion f;
    f.absorbed = {div, e, a};
    f.last = half_x_times(out(a), x, f.absorbed);
    if (f.last < 0) return std::nullopt;
    f.node = fused("Gelu", {x}, f.last);
    add_string(f.node, "approximate", "none");
    return f;
  }

  // x³ as Pow(x, 3), x · (x · x) or (x · x) · x; appends the nodes to `absorbed`.
  bool cube_of(const std::string& c, const std::string& x, std::vector<int>& absorbed) const {
    if (!single_use(c)) return false;
    const int pw = producer(c, "Pow");
    if (pw >= 0 && node(pw).input_size() == 2 && arg(node(pw), 0) == x &&
        is_scalar(arg(node(pw), 1), 3.0)) {
      absorbed.push_back(pw);
      return true;
    }
    const int m = producer(c, "Mul");
    if (m < 0) return false;
    const std::string sq = other(node(m), x);
    const int s = sq.empty() ? -1 : producer(sq, "Mul");
    if (s < 0 || !single_use(sq) || arg(node(s), 0) != x || arg(node(s), 1) != x) return false;
    absorbed.insert(absorbed.end(), {s, m});
    return true;
  }

  std::optional<Fusion> gelu_tanh(int t) const {
    const std::string u = node(t).input_size() == 1 ? arg(node(t), 0) : std::string();
    const int mu = u.empty() || !single_use(u) ? -1 : producer(u, "Mul");
    if (mu < 0) return std::nullopt;
    const std::string a = operand_beside_scalar(node(mu), std::sqrt(2.0 / std::numbers::pi));
    const int add = a.empty() || !single_use(a) ? -1 : producer(a, "Add");
    if (add < 0 || node(add).input_size() != 2) return std::nullopt;
    for (int side = 0; side < 2; ++side) {
      const std::string x = arg(node(add), side), cubic = arg(node(add), 1 - side);
      const int mc = single_use(cubic) ? producer(cubic, "Mul") : -1;
      if (mc < 0) continue;
      const std::string c = operand_beside_scalar(node(mc), kGeluCubic);
      Fusion f;
      f.absorbed = {mu, add, mc, t};
      if (c.empty() || !cube_of(c, x, f.absorbed)) continue;
      const int one = plus_one(out(t));
      if (one < 0) return std::nullopt;
      f.absorbed.push_back(one);
      f.last = half_x_times(out(one), x, f.absorbed);
      if (f.last < 0) return std::nullopt;
      f.node = fused("Gelu", {x}, f.last);
      add_string(f.node, "approximate", "tanh");
      return f;
    }
    return std::nullopt;
  }

  std::optional<Fusion> silu(int s) const {
    if (node(s).input_size() != 1) return std::nullopt;
    const std::string x = arg(node(s), 0);
    const int m = sole_consumer(out(s), "Mul");
    if (m < 0 || other(node(m), out(s)) != x) return std::nullopt;
    Fusion f;
    f.absorbed = {s, m};
    f.last = m;
    f.node = fused("Silu", {x}, m);
    f.node.set_domain(kInternalDomain);
    return f;
  }

  // ReduceMean over trailing axes -k..-1 with keepdims; returns k (0: not such a node).
  int trailing_mean(int r, const std::string& input) const {
    const onnx::NodeProto& n = node(r);
    if (n.input_size() != 1 || arg(n, 0) != input) return 0;
    std::vector<int64_t> axes;
    for (const onnx::AttributeProto& a : n.attribute()) {
      if (a.name() == "keepdims" && a.i() != 1) return 0;
      if (a.name() == "axes") axes.assign(a.ints().begin(), a.ints().end());
    }
    const int k = static_cast<int>(axes.size());
    if (k == 0 || k > kMaxRank) return 0;
    for (int i = 0; i < k; ++i) {
      if (axes[i] != i - k) return 0;
    }
    return k;
  }

  // An affine parameter: an initializer or an Identity of one (the exporter's merged parameters).
  bool is_affine(const std::string& v) const {
    if (inits_.count(v)) return true;
    const int id = producer(v, "Identity");
    return id >= 0 && node(id).input_size() == 1 && inits_.count(arg(node(id), 0));
  }

  std::optional<Fusion> layer_norm(int div) const {
    const onnx::NodeProto& n = node(div);
    if (n.input_size() != 2) return std::nullopt;
    const std::string d = arg(n, 0), s = arg(n, 1);
    const int sub = producer(d, "Sub");
    const int sq = single_use(s) ? producer(s, "Sqrt") : -1;
    if (sub < 0 || sq < 0 || node(sub).input_size() != 2) return std::nullopt;
    const std::string x = arg(node(sub), 0), m = arg(node(sub), 1);
    const int mean = single_use(m) ? producer(m, "ReduceMean") : -1;
    const int k = mean < 0 ? 0 : trailing_mean(mean, x);
    if (k == 0) return std::nullopt;
    const std::string e = node(sq).input_size() == 1 ? arg(node(sq), 0) : std::string();
    const int add = e.empty() || !single_use(e) ? -1 : producer(e, "Add");
    if (add < 0 || node(add).input_size() != 2) return std::nullopt;
    std::string v = arg(node(add), 0), eps = arg(node(add), 1);
    if (!scalar(eps)) std::swap(v, eps);
    const std::optional<double> epsilon = scalar(eps);
    const int var = epsilon && single_use(v) ? producer(v, "ReduceMean") : -1;
    if (var < 0 || node(var).input_size() != 1 || !single_use(arg(node(var), 0)))
      return std::nullopt;
    const std::string p = arg(node(var), 0);
    if (trailing_mean(var, p) != k) return std::nullopt;
    int sqr = producer(p, "Pow");
    if (sqr >= 0 && !(node(sqr).input_size() == 2 && arg(node(sqr), 0) == d &&
                      is_scalar(arg(node(sqr), 1), 2.0))) {
      return std::nullopt;
    }
    if (sqr < 0) {
      sqr = producer(p, "Mul");
      if (sqr < 0 || node(sqr).input_size() != 2 || arg(node(sqr), 0) != d ||
          arg(node(sqr), 1) != d)
        return std::nullopt;
    }
    // d feeds only the square and the division (and is no graph output).
    const auto users = g_.consumers.find(d);
    if (users == g_.consumers.end() || g_.use_count(d) != static_cast<int>(users->second.size()))
      return std::nullopt;
    for (int c : users->second) {
      if (c != sqr && c != div) return std::nullopt;
    }
    Fusion f;
    f.absorbed = {mean, sub, sqr, var, add, sq, div};
    f.last = div;
    std::string gamma, beta;
    const int mul = sole_consumer(out(div), "Mul");
    if (mul >= 0 && is_affine(other(node(mul), out(div)))) {
      gamma = other(node(mul), out(div));
      f.absorbed.push_back(mul);
      f.last = mul;
    }
    const int bias = sole_consumer(out(f.last), "Add");
    if (bias >= 0 && is_affine(other(node(bias), out(f.last)))) {
      beta = other(node(bias), out(f.last));
      f.absorbed.push_back(bias);
      f.last = bias;
    }
    f.node = fused("LayerNormalization", {x, gamma, beta}, f.last);
    onnx::AttributeProto* ax = f.node.add_attribute();
    ax->set_name("axis");
    ax->set_type(onnx::AttributeProto::INT);
    ax->set_i(-k);
    onnx::AttributeProto* ep = f.node.add_attribute();
    ep->set_name("epsilon");
    ep->set_type(onnx::AttributeProto::FLOAT);
    ep->set_f(static_cast<float>(*epsilon));
    return f;
  }

 private:
  onnx::NodeProto fused(const char* op, const std::vector<std::string>& inputs, int last) const {
    onnx::NodeProto n;
    n.set_op_type(op);
    n.set_name(node(last).name());
    for (const std::string& i : inputs) n.add_input(i);
    n.add_output(out(last));
    return n;
  }
  static void add_string(onnx::NodeProto& n, const char* name, const char* value) {
    onnx::AttributeProto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(value);
  }

  const OnnxGraph& g_;
  const std::unordered_map<std::string, const onnx::TensorProto*>& inits_;
};

}  // namespace

void fold_patterns(OnnxGraph& graph,
                   const std::unordered_map<std::string, const onnx::TensorProto*>& initializers) {
  const Matcher m(graph, initializers);
  const int n = static_cast<int>(graph.nodes.size());
  std::vector<int> taken(n, -1);  // fusion owning each node
  std::vector<Fusion> fusions;
  for (int i = 0; i < n; ++i) {
    const onnx::NodeProto& node = graph.nodes[i];
    if (!node.domain().empty() && node.domain() != "ai.onnx") continue;
    std::optional<Fusion> f;
    if (node.op_type() == "Erf") f = m.gelu_erf(i);
    if (node.op_type() == "Tanh") f = m.gelu_tanh(i);
    if (node.op_type() == "Sigmoid") f = m.silu(i);
    if (node.op_type() == "Div") f = m.layer_norm(i);
    if (!f) continue;
    bool free = true;
    for (int a : f->absorbed) free = free && taken[a] < 0;
    if (!free) continue;
    for (int a : f->absorbed) taken[a] = static_cast<int>(fusions.size());
    fusions.push_back(std::move(*f));
  }
  if (fusions.empty()) return;
  std::vector<onnx::NodeProto> nodes;
  nodes.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (taken[i] < 0) {
      nodes.push_back(std::move(graph.nodes[i]));
    } else if (fusions[taken[i]].last == i) {
      nodes.push_back(std::move(fusions[taken[i]].node));
    }
  }
  graph.nodes = std::move(nodes);
  graph.index();
}

}  // namespace hess::onnx_import
