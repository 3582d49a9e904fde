#pragma once
// ONNX import: a model exported by torch.onnx.export becomes an engine Model (graph + θ).
//
// The export that keeps the parameters exactly as they are in training (docs/onnx.md):
//
//   torch.onnx.export(model.eval(), x, "model.onnx", training=torch.onnx.TrainingMode.PRESERVE,
//                     do_constant_folding=False, export_params=True, opset_version=17)
//
// What the importer does, in order:
//   1. parses the ModelProto (size-limited, every field checked: a hostile file gives an error,
//   never
//      a crash), accepts the default-domain opsets 13-17;
//   2. sorts the nodes topologically (cycles are errors) and folds the decompositions PyTorch emits
//      back into engine ops: x·Φ(x) through Erf and its tanh approximation into gelu / gelu_tanh,
//      the ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div(/Mul/Add) chain into layer_norm, x·σ(x) into
//      silu;
//   3. keeps only what the graph output needs and maps every node onto engine ops (the table in
//      docs/onnx.md); shape arithmetic (Shape, Gather, Unsqueeze, Concat, Cast, Slice, ... on
//      shapes) is folded at import time, evaluated at two batch sizes so the batch extent stays
//      symbolic: a Reshape target becomes -1 ("whatever the batch gives") on the axis that carries
//      the batch, whether the exporter wrote the traced batch size into a constant or computed it;
//   4. float initializers the graph reads become parameter blocks named by the initializer (the
//      PyTorch state_dict key), in the order of the file's initializers (torch writes state_dict
//      order); BatchNorm running statistics and the initializers named in `constants` become
//      constants. A parameter the exporter merged into another of equal value (an Identity node
//      whose input is a parameter) gets its own block again, after the initializer blocks;
//   5. appends the loss (cross-entropy by default, or MSE) on the graph output [batch, classes].
//
//   hess::OnnxImportOptions opt;            // loss = ce
//   hess::Model m = hess::import_onnx("resnet.onnx", opt);
//
// Errors are OnnxImportError (a std::runtime_error) whose message starts with the file name and
// names the node or initializer at fault, e.g.
//   model.onnx: node '/act/Elu' uses op 'Elu' (opset 17), which is not supported; supported: Add,
//   ...

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/graph.h"
#include "engine/graph_builder.h"
#include "engine/shown_name.h"

namespace hess {

class OnnxImportError : public std::runtime_error {
 public:
  explicit OnnxImportError(const std::string& what)
      : std::runtime_error(shorten_long_words(what)) {}
};

struct OnnxImportOptions {
  LossKind loss = LossKind::CrossEntropy;
  // One sample's shape; empty: read from the graph input (its non-batch extents must then be
  // known). When both are known they must agree.
  Shape sample_shape;
  // One sample's shape as the data has it: fills the graph input's symbolic extents (as
  // sample_shape would) when it has some, and is ignored when every extent is known (the data's
  // fit is then checked against the graph, engine/objective.h check_data_fits).
  Shape sample_shape_hint;
  // Graph output to analyse; empty: the graph's only output.
  std::string output;
  // Float initializers to keep fixed (constants) although the graph reads them as data.
  std::vector<std::string> constants;
  // Files (or byte strings) larger than this are refused before parsing.
  int64_t max_bytes = int64_t{1} << 30;
  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};

// Imports the ONNX file at `path`. Throws OnnxImportError.
Model import_onnx(const std::string& path, const OnnxImportOptions& options);

// Imports an ONNX model held in memory; `name` stands for the file in messages.
Model import_onnx_bytes(const std::string& bytes, const std::string& name,
                        const OnnxImportOptions& options);

// The ONNX op types the importer maps, sorted, comma-separated (what the unsupported-op error
// lists).
std::string supported_onnx_ops();

}  // namespace hess
