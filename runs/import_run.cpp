#include "runs/import_run.h"

#include <cmath>

#include "analyzers/stopwatch.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "engine/op_kind.h"
#include "io/data_file.h"
#include "io/idx_import.h"
#include "io/model_file.h"
#include "io/model_source.h"

#if defined(HESS_WITH_ONNX) && __has_include("io/onnx/onnx_import.h")
#include "io/onnx/onnx_import.h"
#define HESS_ONNX_IMPORT 1
#endif

namespace hess::runs {

namespace {

// The labels of the lines printed ("wrote", "source", "prepared") are padded to this width.
constexpr size_t kHeadWidth = 10;

// The first setting of a data import given with a value other than its default, or "".
std::string data_setting_given(const ImportRun& r) {
  const CsvImportOptions csv;
  const NpzImportOptions npz;
  const PreprocessOptions pre;
  if (!r.idx.empty()) return "idx";
  if (!r.csv.empty()) return "csv";
  if (!r.npz.empty()) return "npz";
  if (r.npz_options.x_key != npz.x_key) return "x_key";
  if (r.npz_options.y_key != npz.y_key) return "y_key";
  if (!r.labels.empty()) return "labels";
  if (r.csv_options.label_column != csv.label_column) return "label_column";
  if (r.csv_options.targets) return "targets";
  if (r.csv_options.delimiter != csv.delimiter) return "delimiter";
  if (r.preprocess.limit != pre.limit) return "limit";
  if (r.preprocess.subset != pre.subset) return "subset";
  if (r.scale) return "scale";
  if (r.preprocess.normalize != pre.normalize) return "normalize";
  if (!r.preprocess.channel_mean.empty()) return "channel_mean";
  if (!r.preprocess.channel_std.empty()) return "channel_std";
  if (!r.preprocess.sample_shape.empty()) return "images_shape";
  return "";
}

Record import_model(const ImportRun& r) {
#ifdef HESS_ONNX_IMPORT
  OnnxImportOptions o;
  o.loss = r.loss;
  o.sample_shape = r.sample_shape;
  const Model model = import_onnx(r.onnx, o);
#else
  const Model model = open_model(r.onnx, ModelSourceOptions{r.loss, r.sample_shape}).model;
#endif
  Attrs metadata;
  metadata.set("source", "hessian import --onnx " + r.onnx);
  metadata.set("loss", std::string(name_of(r.loss)));
  write_model(r.out, model, metadata);
  const Graph& g = model.graph;
  Record rec;
  rec.head_width = kHeadWidth;
  rec.add("wrote", r.out + ": " + grouped(g.num_params()) + " parameters in " +
                       std::to_string(g.blocks.size()) + " blocks, input " +
                       to_string(g.input_shape) + ", loss " +
                       std::string(name_of(g.nodes[g.loss].op)))
      .only(0)
      .head("wrote");
  rec.add("out", r.out).only(kJson);
  rec.add("source", r.onnx).only(kJson).head("source");
  rec.add("parameters", g.num_params()).only(kJson);
  rec.add("blocks", static_cast<int64_t>(g.blocks.size())).only(kJson);
  rec.add("input_shape", std::vector<int64_t>(g.input_shape.begin(), g.input_shape.end()))
      .only(kJson);
  rec.add("loss_op", name_of(g.nodes[g.loss].op)).only(kJson);
  const std::string w = exporter_names_warning(r.onnx, g);
  if (!w.empty()) rec.add("warning", w).only(kJson);
  return rec;
}

ImportedData read_input(const ImportRun& r) {
  if (!r.idx.empty()) return import_idx(r.idx, r.labels);
  if (!r.npz.empty()) return import_npz(r.npz, r.npz_options);
  return import_csv(r.csv, r.csv_options);
}

Record import_data(const ImportRun& r) {
  ImportedData in = read_input(r);
  PreprocessOptions pre = r.preprocess;
  pre.scale = r.scale ? *r.scale : in.default_scale;
  const std::string input = !r.idx.empty() ? r.idx : !r.npz.empty() ? r.npz : r.csv;
  DataProvenance provenance;
  provenance.source = in.source;
  try {
    provenance.preprocessing = preprocess(in.data, pre, in.value_range);
  } catch (const FieldError&) {
    throw;  // an option that does not fit the data: the command line names its flag
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(input + ": " + e.what());
  }
  write_data(r.out, in.data, provenance);
  const Dataset& d = in.data;
  Record rec;
  rec.head_width = kHeadWidth;
  rec.add("out", r.out).only(kJson);
  rec.add("samples", d.size()).only(kJson);
  rec.add("sample_shape", std::vector<int64_t>(d.sample_shape.begin(), d.sample_shape.end()))
      .only(kJson);
  std::string labels;
  if (d.has_labels()) {
    rec.add("classes", d.num_classes()).only(kJson);
    labels = "labels 0.." + std::to_string(d.num_classes() - 1);
  } else {
    rec.add("target_dim", d.target_dim).only(kJson);
    labels = std::to_string(d.target_dim) + " real targets per sample";
  }
  rec.add("wrote", r.out + ": " + grouped(d.size()) + " samples of " + to_string(d.sample_shape) +
                       ", " + labels)
      .only(0)
      .head("wrote");
  rec.add("source", provenance.source).only(kJson).head("source");
  rec.add("preprocessing", provenance.preprocessing).only(kJson).head("prepared");
  return rec;
}

}  // namespace

void ImportRun::validate() const {
  if (out.empty()) throw FieldError("out", "is missing: give the file to write");
  if (!onnx.empty()) {
    const std::string stray = data_setting_given(*this);
    if (!stray.empty()) throw FieldError(stray, "belongs to data imports, not to {onnx}");
    return;
  }
  if (loss != LossKind::CrossEntropy) throw FieldError("loss", "belongs to {onnx}");
  if (!sample_shape.empty()) throw FieldError("sample_shape", "belongs to {onnx}");
  if (!idx.empty() + !csv.empty() + !npz.empty() != 1)
    throw FieldError("idx",
                     "IMAGES {labels} LABELS, {csv} FILE, {npz} FILE or {onnx} MODEL: give exactly "
                     "one input");
  if (!idx.empty() && labels.empty())
    throw FieldError("idx", "needs {labels} LABELS (the IDX labels file)");
  if (!csv.empty() && !labels.empty())
    throw FieldError("labels", "goes with {idx}; a CSV file holds its labels in {label_column}");
  if (!npz.empty() && !labels.empty())
    throw FieldError("labels", "goes with {idx}; an .npz file holds its labels in {y_key}");
  if (npz.empty()) {
    const NpzImportOptions defaults;
    if (npz_options.x_key != defaults.x_key) throw FieldError("x_key", "belongs to {npz}");
    if (npz_options.y_key != defaults.y_key) throw FieldError("y_key", "belongs to {npz}");
  } else {
    npz_options.validate();
  }
  if (scale && !(std::isfinite(*scale) && *scale > 0))
    throw FieldError("scale", "must be a positive number, got " + shortest(*scale));
  preprocess.validate();
}

Record import(const ImportRun& run) {
  run.validate();
  const Stopwatch clock;
  Record rec = run.onnx.empty() ? import_data(run) : import_model(run);
  rec.add("seconds", clock.seconds()).only(kJson);
  return rec;
}

}  // namespace hess::runs
