// Fuzzes the model file reader: the input is an HDF5 file image (opened with the core driver, no
// temporary file). Reading may only succeed or throw FileError; a model that reads is validated,
// so its shapes are inferred and, when small, one loss and one HVP are evaluated on one sample.
#include <cstdint>
#include <string>

#include "engine/objective.h"
#include "io/file_error.h"
#include "io/model_file.h"

namespace {
// Only models whose every node holds at most this many elements per sample are evaluated.
constexpr int64_t kMaxEvaluatedElements = 1 << 16;

void evaluate(const hess::Model& m) {
  const hess::Graph& g = m.graph;
  const std::vector<hess::Shape> shapes = hess::infer_shapes(g, 1);
  for (const hess::Shape& s : shapes) {
    int64_t n = 1;
    for (int64_t e : s) {
      if (e > kMaxEvaluatedElements || n * e > kMaxEvaluatedElements) return;
      n *= e;
    }
  }
  hess::Dataset d;
  d.sample_shape = g.input_shape;
  d.x.assign(hess::numel(g.input_shape), 0.5f);
  if (g.label_kind == hess::LabelKind::Class) {
    d.labels = {0};
  } else {
    d.target_dim = g.target_dim;
    d.targets.assign(g.target_dim, 0.25f);
  }
  try {
    auto obj = hess::make_objective(g, d, {0}, {}, hess::Precision::F64);
    obj->set_parameters(m.theta);
    std::vector<double> v(m.theta.size(), 1.0), hv(m.theta.size());
    obj->value();
    obj->curvature(v.data(), 1, hv.data(), hess::Curvature::Hessian);
  } catch (const std::invalid_argument&) {
    // The data does not fit (e.g. label 0 on a model without classes): not a reader fault.
  } catch (const std::runtime_error&) {
    // NumericalError: NaN or Inf met in a pass.
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const hess::h5::File f = hess::h5::File::open_image(bytes, "fuzz.h5");
    const hess::ModelFile m = hess::read_model_group(f);
    evaluate(m.model);
  } catch (const hess::FileError&) {
    // The one way a reader may refuse its input.
  }
  return 0;
}
