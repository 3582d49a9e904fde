#include "io/model_source.h"

#include "io/file_error.h"
#include "io/model_file.h"

#if defined(HESS_WITH_ONNX) && __has_include("io/onnx/onnx_import.h")
#include "io/onnx/onnx_import.h"
#define HESS_ONNX_IMPORT 1
#endif

namespace hess {

namespace {

constexpr std::string_view kOnnxSuffix = ".onnx";
// The prefix torch.onnx.export gives initializers it created (folded constants) instead of
// keeping a state_dict key.
constexpr std::string_view kExporterPrefix = "onnx::";
// Names listed in the warning.
constexpr size_t kNamesShown = 3;

}  // namespace

bool is_onnx_path(const std::string& path) {
  return path.size() >= kOnnxSuffix.size() &&
         path.compare(path.size() - kOnnxSuffix.size(), kOnnxSuffix.size(), kOnnxSuffix) == 0;
}

bool onnx_import_available() {
#ifdef HESS_ONNX_IMPORT
  return true;
#else
  return false;
#endif
}

std::string exporter_names_warning(const std::string& path, const Graph& graph) {
  std::vector<std::string> made_up;
  for (const Block& b : graph.blocks) {
    if (b.name.compare(0, kExporterPrefix.size(), kExporterPrefix) == 0) made_up.push_back(b.name);
  }
  if (made_up.empty()) return {};
  std::string names;
  for (size_t i = 0; i < made_up.size() && i < kNamesShown; ++i)
    names += (i ? ", " : "") + made_up[i];
  if (made_up.size() > kNamesShown) names += ", …";
  return path + ": " + std::to_string(made_up.size()) +
         " parameters have names the exporter made up (" + names +
         "): it was exported in eval mode or with constant folding, which folds BatchNorm into the "
         "convolutions, so the curvature is not the trained model's; export with "
         "training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False (docs/onnx.md)";
}

OpenedModel open_model(const std::string& path, const ModelSourceOptions& options) {
  OpenedModel m;
  if (!is_onnx_path(path)) {
    m.model = read_model(path);
    return m;
  }
#ifdef HESS_ONNX_IMPORT
  OnnxImportOptions o;
  o.loss = options.loss;
  o.sample_shape_hint = options.sample_shape_hint;
  m.model = import_onnx(path, o);
  const std::string w = exporter_names_warning(path, m.model.graph);
  if (!w.empty()) m.warnings.push_back(w);
  return m;
#else
  (void)options;
  throw FileError(path,
                  "ONNX import is not available in this build (configure with HESS_WITH_ONNX=ON)");
#endif
}

}  // namespace hess
