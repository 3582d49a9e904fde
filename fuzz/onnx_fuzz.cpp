// libFuzzer target for the ONNX importer: any bytes give a model or an OnnxImportError; never a
// crash, a hang, a leak, undefined behaviour or another exception type.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/onnx/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    hess::import_onnx_bytes(bytes, "fuzz.onnx", {});
  } catch (const hess::OnnxImportError&) {
  }
  return 0;
}
