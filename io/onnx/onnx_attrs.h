#pragma once
// Typed access to an ONNX node's attributes. A missing attribute takes its ONNX default; an
// attribute of the wrong type, a duplicated one, or one whose value is out of range is a fault
// naming it.

#include <cstdint>
#include <string>
#include <vector>

namespace onnx {
class NodeProto;
class AttributeProto;
class TensorProto;
}  // namespace onnx

namespace hess::onnx_import {

class OnnxAttrs {
 public:
  explicit OnnxAttrs(const onnx::NodeProto& node);

  bool has(const std::string& name) const { return find(name) != nullptr; }
  int64_t get_int(const std::string& name, int64_t fallback) const;
  double get_float(const std::string& name, double fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name, std::vector<int64_t> fallback) const;
  std::vector<double> get_floats(const std::string& name) const;
  // nullptr when absent.
  const onnx::TensorProto* get_tensor(const std::string& name) const;

  // Faults when the node carries an attribute not in `known` (one the importer would silently
  // ignore).
  void only(const std::vector<std::string>& known) const;

 private:
  const onnx::AttributeProto* find(const std::string& name) const;
  const onnx::AttributeProto* typed(const std::string& name, int type) const;
  const onnx::NodeProto& node_;
};

}  // namespace hess::onnx_import
