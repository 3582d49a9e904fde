#include "io/onnx/onnx_import.h"

#include "engine/field_error.h"

#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <map>

#include "io/onnx/onnx_common.h"
#include "io/onnx/onnx_converter.h"

namespace hess {

namespace {

// The default-domain opsets whose op semantics the importer implements.
constexpr int64_t kMinOpset = 13;
constexpr int64_t kMaxOpset = 17;

std::string too_large(int64_t size, const OnnxImportOptions& options) {
  return "the file has " + std::to_string(size) + " bytes, above the limit of " +
         std::to_string(options.max_bytes);
}

Model convert(const std::string& bytes, const OnnxImportOptions& options) {
  using onnx_import::fault;
  if (static_cast<int64_t>(bytes.size()) > options.max_bytes)
    fault(too_large(static_cast<int64_t>(bytes.size()), options));
  if (bytes.size() > static_cast<size_t>(INT_MAX)) fault("larger than protobuf can parse (2 GiB)");
  onnx::ModelProto model;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  in.SetTotalBytesLimit(INT_MAX);
  if (!model.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage())
    fault("not a valid ONNX model (protobuf could not parse it)");
  if (!model.has_graph()) fault("the model holds no graph");
  std::map<std::string, int64_t> opsets;
  for (const onnx::OperatorSetIdProto& o : model.opset_import()) {
    const std::string domain = o.domain() == "ai.onnx" ? "" : o.domain();
    if (!opsets.emplace(domain, o.version()).second)
      fault("the opset of domain '" + domain + "' is imported twice");
  }
  const auto def = opsets.find("");
  if (def == opsets.end()) fault("no opset of the default ONNX domain is imported");
  if (def->second < kMinOpset || def->second > kMaxOpset) {
    fault("opset " + std::to_string(def->second) + " is not supported; the importer reads opsets " +
          std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) +
          " (export with opset_version in that range)");
  }
  onnx_import::Converter conv(model, options, std::move(opsets));
  return conv.run();
}

}  // namespace

void OnnxImportOptions::validate() const {
  if (max_bytes <= 0) throw std::invalid_argument("max_bytes must be positive");
  for (const Shape* s : {&sample_shape, &sample_shape_hint}) {
    for (int64_t d : *s) {
      if (d <= 0)
        throw FieldError(s == &sample_shape ? "sample_shape" : "sample_shape_hint",
                         to_string(*s) + " has a non-positive extent");
    }
  }
}

Model import_onnx_bytes(const std::string& bytes, const std::string& name,
                        const OnnxImportOptions& options) {
  options.validate();
  try {
    return convert(bytes, options);
  } catch (const onnx_import::ImportFault& e) {
    throw OnnxImportError(name + ": " + e.what());
  }
}

Model import_onnx(const std::string& path, const OnnxImportOptions& options) {
  options.validate();
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    throw OnnxImportError(path + ": not a regular file");
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw OnnxImportError(path + ": cannot open the file");
  f.seekg(0, std::ios::end);
  const std::streamoff size = f.tellg();
  if (size < 0) throw OnnxImportError(path + ": cannot read the file");
  if (size > options.max_bytes) throw OnnxImportError(path + ": " + too_large(size, options));
  std::string bytes(static_cast<size_t>(size), '\0');
  f.seekg(0);
  if (!f.read(bytes.data(), size)) throw OnnxImportError(path + ": cannot read the file");
  return import_onnx_bytes(bytes, path, options);
}

std::string supported_onnx_ops() {
  std::string list;
  for (const auto& [name, fn] : onnx_import::handler_table()) {
    if (name.find('.') == std::string::npos) list += (list.empty() ? "" : ", ") + name;
  }
  return list;
}

}  // namespace hess
