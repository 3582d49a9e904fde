#include "io/onnx/onnx_emitter.h"

#include <stdexcept>

#include "engine/op_registry.h"
#include "io/onnx/onnx_common.h"

namespace hess::onnx_import {

std::optional<BatchDigit> land_batch(const Shape& x, const BatchDigit& d, const Shape& out, int j,
                                     int64_t b0) {
  if (d.axis < 0 || j < 0 || j >= static_cast<int>(out.size())) return std::nullopt;
  // Elements before and after the batch digit in the input's row-major order.
  const int64_t before = numel_range(x, 0, d.axis) * d.outer;
  const int64_t after = d.inner * numel_range(x, d.axis + 1, x.size());
  const int64_t out_before = numel_range(out, 0, j),
                out_after = numel_range(out, j + 1, out.size());
  if (out_before <= 0 || out_after <= 0 || before % out_before != 0 || after % out_after != 0)
    return std::nullopt;
  BatchDigit r{j, before / out_before, after / out_after};
  if (out[j] != r.outer * b0 * r.inner) return std::nullopt;
  return r;
}

EngineEmitter::EngineEmitter(Shape sample_shape, int64_t b0, int64_t b1) : b0_(b0), b1_(b1) {
  g_.input_shape = std::move(sample_shape);
  Node n;
  n.name = unique_name("input");
  n.op = OpKind::Input;
  Shape s0{b0}, s1{b1};
  s0.insert(s0.end(), g_.input_shape.begin(), g_.input_shape.end());
  s1.insert(s1.end(), g_.input_shape.begin(), g_.input_shape.end());
  g_.input = push(n, s0, s1);
}

std::string EngineEmitter::unique_name(const std::string& base) {
  const std::string stem = base.empty() ? "node" : base;
  std::string name = stem;
  for (int i = 1; names_.count(name); ++i) name = stem + "_" + std::to_string(i);
  names_.insert(name);
  return name;
}

int EngineEmitter::push(Node n, Shape s0, Shape s1) {
  checked_numel(s1, kMaxActivationElements, "tensor");
  g_.nodes.push_back(std::move(n));
  s0_.push_back(std::move(s0));
  s1_.push_back(std::move(s1));
  return static_cast<int>(g_.nodes.size()) - 1;
}

int EngineEmitter::param(const std::string& name, Shape shape, BlockRole role,
                         const std::vector<double>& values) {
  Block b;
  b.name = name;
  b.shape = shape;
  b.role = role;
  b.offset = static_cast<int64_t>(theta_.size());
  g_.blocks.push_back(b);
  theta_.insert(theta_.end(), values.begin(), values.end());
  Node n;
  n.name = unique_name(name);
  n.op = OpKind::Param;
  n.block = static_cast<int>(g_.blocks.size()) - 1;
  return push(n, shape, shape);
}

int EngineEmitter::constant(const std::string& name, Tensor<double> value) {
  const Shape s = value.shape();
  g_.constants.push_back(std::move(value));
  Node n;
  n.name = unique_name(name);
  n.op = OpKind::Constant;
  n.constant = static_cast<int>(g_.constants.size()) - 1;
  return push(n, s, s);
}

int EngineEmitter::op(OpKind kind, std::vector<int> inputs, Attrs attrs, const std::string& name) {
  const OpInfo& info = op_info(kind);
  if (!info.infer)
    fault("the engine op '" + std::string(name_of(info.kind)) +
          "' is not implemented in this build");
  const int arity = static_cast<int>(inputs.size());
  if (arity < info.min_arity || arity > info.max_arity) {
    fault("the engine op '" + std::string(name_of(info.kind)) + "' takes " +
          std::to_string(info.min_arity) + " to " + std::to_string(info.max_arity) +
          " inputs, got " + std::to_string(arity));
  }
  Node n;
  n.op = kind;
  n.inputs = std::move(inputs);
  n.attrs = std::move(attrs);
  std::vector<Shape> in0, in1;
  for (int i : n.inputs) {
    in0.push_back(s0_.at(i));
    in1.push_back(s1_.at(i));
  }
  Shape s0, s1;
  try {
    s0 = info.infer(n, in0);
    s1 = info.infer(n, in1);
  } catch (const std::invalid_argument& e) {
    fault(std::string(name_of(info.kind)) + ": " + e.what());
  }
  if (s0.size() != s1.size())
    fault(std::string(name_of(info.kind)) + ": its rank depends on the batch size");
  n.name = unique_name(name);
  return push(std::move(n), std::move(s0), std::move(s1));
}

int EngineEmitter::batch_axis(int node) const {
  const Shape& a = s0_.at(node);
  const Shape& b = s1_.at(node);
  int axis = -1;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (axis >= 0) fault("the batch is spread over several axes of " + to_string(a));
    axis = static_cast<int>(i);
  }
  return axis;
}

Model EngineEmitter::finish(int output, LossKind loss) {
  g_.output = output;
  g_.label_kind = LabelKind::Class;
  Node lab;
  lab.name = unique_name("label");
  lab.op = OpKind::Label;
  g_.label = push(lab, {b0_}, {b1_});
  g_.loss = op(loss == LossKind::CrossEntropy ? OpKind::CrossEntropy : OpKind::Mse,
               {output, g_.label}, {}, "loss");
  try {
    g_.validate();
  } catch (const std::invalid_argument& e) {
    fault(e.what());
  }
  return Model{g_, theta_};
}

}  // namespace hess::onnx_import
