#include "engine/graph_builder.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include "engine/random.h"

namespace hess {

GraphBuilder::GraphBuilder(Shape input_shape) {
  g_.input_shape = std::move(input_shape);
  Node n;
  n.name = "input";
  n.op = OpKind::Input;
  g_.nodes.push_back(n);
  node_names_.insert(n.name);
  input_ = 0;
  g_.input = 0;
}

void GraphBuilder::set_targets(int64_t dim) {
  g_.label_kind = LabelKind::Target;
  g_.target_dim = dim;
}

std::string GraphBuilder::unique_name(std::string base) {
  std::string name = base;
  for (int i = 1; node_names_.count(name) > 0; ++i) name = base + "_" + std::to_string(i);
  node_names_.insert(name);
  return name;
}

int GraphBuilder::param(const std::string& name, Shape shape, BlockRole role, Init init) {
  if (!block_names_.insert(name).second)
    throw std::invalid_argument("parameter block '" + name + "' defined twice");
  Block b;
  b.name = name;
  b.shape = std::move(shape);
  b.role = role;
  b.offset = num_params_;
  num_params_ += b.size();
  if (max_params_ > 0 && num_params_ > max_params_) {
    throw std::invalid_argument("more than " + std::to_string(max_params_) +
                                " parameters (the most this machine's memory holds) at block '" +
                                name + "'");
  }
  g_.blocks.push_back(b);
  inits_.push_back(init);
  Node n;
  n.name = unique_name(name);
  n.op = OpKind::Param;
  n.block = static_cast<int>(g_.blocks.size()) - 1;
  g_.nodes.push_back(n);
  return static_cast<int>(g_.nodes.size()) - 1;
}

int GraphBuilder::constant(const std::string& name, Tensor<double> value) {
  g_.constants.push_back(std::move(value));
  Node n;
  n.name = unique_name(name);
  n.op = OpKind::Constant;
  n.constant = static_cast<int>(g_.constants.size()) - 1;
  g_.nodes.push_back(n);
  return static_cast<int>(g_.nodes.size()) - 1;
}

int GraphBuilder::op(OpKind kind, std::vector<int> inputs, Attrs attrs, std::string name) {
  Node n;
  n.name = unique_name(name.empty() ? std::string(name_of(kind)) + "_" + std::to_string(++counter_)
                                    : name);
  n.op = kind;
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  g_.nodes.push_back(n);
  return static_cast<int>(g_.nodes.size()) - 1;
}

int GraphBuilder::linear(int x, int64_t in, int64_t out, const std::string& prefix, bool bias) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  std::vector<int> ins{
      x, param(prefix + ".weight", {out, in}, BlockRole::Weight, Init::uniform(bound))};
  if (bias) ins.push_back(param(prefix + ".bias", {out}, BlockRole::Bias, Init::uniform(bound)));
  return op(OpKind::Linear, ins, {}, prefix);
}

int GraphBuilder::conv2d(int x, int64_t in_ch, int64_t out_ch, int64_t kernel, int64_t stride,
                         int64_t padding, const std::string& prefix, bool bias, int64_t groups) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(in_ch / groups * kernel * kernel));
  std::vector<int> ins{x, param(prefix + ".weight", {out_ch, in_ch / groups, kernel, kernel},
                                BlockRole::Weight, Init::uniform(bound))};
  if (bias) ins.push_back(param(prefix + ".bias", {out_ch}, BlockRole::Bias, Init::uniform(bound)));
  Attrs a;
  a.set("stride", std::vector<int64_t>{stride, stride});
  a.set("padding", std::vector<int64_t>{padding, padding, padding, padding});
  a.set("dilation", std::vector<int64_t>{1, 1});
  a.set("groups", groups);
  return op(OpKind::Conv2d, ins, a, prefix);
}

int GraphBuilder::batch_norm(int x, int64_t channels, const std::string& prefix, double eps) {
  const int w = param(prefix + ".weight", {channels}, BlockRole::Norm, Init::constant(1.0));
  const int b = param(prefix + ".bias", {channels}, BlockRole::Norm, Init::constant(0.0));
  Tensor<double> var({channels});
  for (double& v : var) v = 1.0;
  const int m = constant(prefix + ".running_mean", Tensor<double>({channels}));
  const int v = constant(prefix + ".running_var", var);
  Attrs a;
  a.set("epsilon", eps);
  return op(OpKind::BatchNorm, {x, w, b, m, v}, a, prefix);
}

int GraphBuilder::layer_norm(int x, int64_t dim, const std::string& prefix, double eps) {
  const int w = param(prefix + ".weight", {dim}, BlockRole::Norm, Init::constant(1.0));
  const int b = param(prefix + ".bias", {dim}, BlockRole::Norm, Init::constant(0.0));
  Attrs a;
  a.set("epsilon", eps);
  a.set("axis", int64_t{-1});
  return op(OpKind::LayerNorm, {x, w, b}, a, prefix);
}

int GraphBuilder::embedding(int ids, int64_t vocab, int64_t dim, const std::string& prefix) {
  const int w = param(prefix + ".weight", {vocab, dim}, BlockRole::Embedding, Init::normal(1.0));
  return op(OpKind::Embedding, {ids, w}, {}, prefix);
}

int GraphBuilder::activation(int x, OpKind act) {
  return op(act, {x});
}

int GraphBuilder::max_pool(int x, int64_t kernel, int64_t stride) {
  Attrs a;
  a.set("kernel", std::vector<int64_t>{kernel, kernel});
  a.set("stride", std::vector<int64_t>{stride, stride});
  a.set("padding", std::vector<int64_t>{0, 0, 0, 0});
  return op(OpKind::MaxPool2d, {x}, a);
}

int GraphBuilder::global_avg_pool(int x) {
  return op(OpKind::GlobalAvgPool, {x});
}

int GraphBuilder::flatten(int x) {
  return op(OpKind::Flatten, {x});
}

Shape GraphBuilder::shape_of(int node, int64_t batch) const {
  Graph partial = g_;
  partial.nodes.resize(node + 1);
  return infer_shapes(partial, batch).at(node);
}

Model GraphBuilder::finish(int output, LossKind loss, uint64_t seed) {
  g_.output = output;
  Node lab;
  lab.name = unique_name("label");
  lab.op = OpKind::Label;
  g_.nodes.push_back(lab);
  g_.label = static_cast<int>(g_.nodes.size()) - 1;
  g_.loss = op(loss == LossKind::CrossEntropy ? OpKind::CrossEntropy : OpKind::Mse,
               {output, g_.label}, {}, "loss");
  g_.validate();
  Model m;
  m.graph = g_;
  m.theta = initialize_parameters(g_, inits_, seed);
  return m;
}

std::vector<double> initialize_parameters(const Graph& graph, const std::vector<Init>& inits,
                                          uint64_t seed) {
  if (inits.size() != graph.blocks.size())
    throw std::invalid_argument("one initialiser per block is needed");
  std::vector<double> theta(graph.num_params());
  Rng rng(seed);
  for (size_t b = 0; b < graph.blocks.size(); ++b) {
    const Block& blk = graph.blocks[b];
    const Init& init = inits[b];
    for (int64_t i = 0; i < blk.size(); ++i) {
      double v = init.scale;
      if (init.kind == Init::Uniform) v = init.scale * (2.0 * rng.uniform() - 1.0);
      if (init.kind == Init::Normal) v = init.scale * rng.normal();
      theta[blk.offset + i] = v;
    }
  }
  return theta;
}

}  // namespace hess
