#pragma once
// The conversion of an ONNX graph into an engine graph, node by node (internal to io/onnx).
//
// Every ONNX value becomes a Value: either *known* at import time (a StaticTensor: non-parameter
// initializers, Constant nodes, shape arithmetic — evaluated at both probe batch sizes) or an
// engine node (parameters, the input and everything computed from them) with the BatchDigit saying
// where the batch sits. A handler per ONNX op type reads its inputs through the Converter and sets
// its outputs; handlers live in onnx_ops_shape.cpp (shapes, indexing, constants), onnx_ops_math.cpp
// (arithmetic, products, activations, reductions) and onnx_ops_nn.cpp (convolution, pooling,
// normalization).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/onnx/onnx_attrs.h"
#include "io/onnx/onnx_emitter.h"
#include "io/onnx/onnx_graph.h"
#include "io/onnx/onnx_import.h"
#include "io/onnx/onnx_tensor.h"

namespace hess::onnx_import {

struct Value {
  std::string name;  // the ONNX value name
  bool known = false;
  StaticTensor st;   // known: the tensor
  int node = -1;     // engine node (for a known value: its constant node, made on first use)
  bool ids = false;  // integer ids read from the graph input
  BatchDigit digit;  // engine node: where the batch sits
  std::vector<int64_t>
      pad;  // zero padding [top, left, bottom, right] a Pad node left for its consumer
};

class Converter;
using Handler = void (*)(Converter&);
using HandlerTable = std::map<std::string, Handler, std::less<>>;

void add_shape_handlers(HandlerTable& table);
void add_math_handlers(HandlerTable& table);
void add_nn_handlers(HandlerTable& table);
// All handlers, keyed by op type ("hess.Silu" for the importer's internal op).
const HandlerTable& handler_table();

class Converter {
 public:
  Converter(const onnx::ModelProto& model, const OnnxImportOptions& options,
            std::map<std::string, int64_t> opsets);
  Model run();

  // --- What handlers use; all refer to the node being converted.
  const onnx::NodeProto& node() const { return *node_; }
  const OnnxAttrs& attrs() const { return *attrs_; }
  int64_t opset() const;
  int64_t probe_batch(int version) const { return em_->probe_batch(version); }
  EngineEmitter& emitter() { return *em_; }

  // Input slot i holds a value (present and not the empty name).
  bool has_input(int i) const;
  Value& input(int i);
  // Input i as a known tensor; a fault saying `what` it is when it is computed at run time.
  const StaticTensor& known_input(int i, const char* what);
  // The engine node of input i (or of any value): known values become constants; a value that
  // depends on the batch size or carries Pad's padding is a fault.
  int engine_input(int i) { return engine(input(i)); }
  int engine(Value& v);
  // Faults when output i exists and something reads it.
  void require_unused_output(int i) const;

  void set_output(int i, Value v);
  void set_known(int i, StaticTensor t);
  // An engine node applying `kind`, named after the ONNX node (plus `suffix`).
  int emit(OpKind kind, std::vector<int> inputs, Attrs attrs = {}, const std::string& suffix = "");
  // The Value of engine node `n`: its batch digit follows the inputs' (same extent on the batch
  // axis).
  Value dynamic(int n);
  // The Value of engine node `n` whose batch digit the handler computed (checked against the
  // shapes).
  Value dynamic(int n, const BatchDigit& digit);
  // Output 0 is x reshaped row-major to `out0` (its shape at the first probe batch size) with the
  // batch on axis j (-1: x does not depend on the batch).
  void reshape_to(Value& x, Shape out0, int j);
  // Shape of a value at probe batch `version`.
  const Shape& shape_of(const Value& v, int version = 0) const;

 private:
  void read_graph_input();
  void classify_initializers(const std::vector<int>& live);
  void convert(const onnx::NodeProto& node);
  Value& value(const std::string& name);

  const onnx::ModelProto& model_;
  const OnnxImportOptions& options_;
  std::map<std::string, int64_t> opsets_;
  std::unordered_map<std::string, const onnx::TensorProto*> initializers_;
  std::unordered_map<std::string, Value> values_;
  OnnxGraph graph_;
  std::string input_name_;
  bool input_ids_ = false;
  std::optional<EngineEmitter> em_;
  const onnx::NodeProto* node_ = nullptr;
  const OnnxAttrs* attrs_ = nullptr;
};

}  // namespace hess::onnx_import
