// hessian import: turns IDX (MNIST family) and CSV files into a data file (docs/formats.md, "Data
// file"), and an ONNX model into a model file (docs/onnx.md). The output is written atomically: bad
// input leaves no file behind.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "engine/op_kind.h"
#include "io/csv_import.h"
#include "io/data_file.h"
#include "io/idx_import.h"
#include "io/model_file.h"
#include "io/preprocess.h"
#include "tools/cli_error.h"
#include "tools/commands.h"
#include "tools/common_options.h"
#include "tools/json.h"
#include "tools/session.h"
#include "tools/table.h"

namespace hess::cli {

namespace {

struct ImportFlags {
  std::string idx, labels, csv, onnx, out;
  std::string loss = "ce";
  int64_t label_column = -1;
  bool targets = false;
  std::string delimiter = ",";
  int64_t limit = 0, subset = 0;
  uint64_t seed = 0;
  std::string scale;  // empty: the importer's default
  std::string normalize = "none";
  std::string images_shape;
  std::string sample_shape;  // --onnx: fills symbolic extents of the graph input
  bool json = false;
};

// "1x8x8" -> [1, 8, 8]; `flag` names the flag in errors.
Shape parse_shape(const std::string& text, const std::string& flag) {
  Shape s;
  size_t pos = 0;
  while (pos <= text.size()) {
    const size_t end = std::min(text.find('x', pos), text.size());
    int64_t v = 0;
    const auto [p, ec] = std::from_chars(text.data() + pos, text.data() + end, v);
    if (ec != std::errc() || p != text.data() + end || v <= 0) {
      throw UsageError(flag + " '" + text + "' is not a shape like 1x28x28");
    }
    s.push_back(v);
    pos = end + 1;
  }
  return s;
}

double parse_scale(const std::string& text) {
  double v = 0;
  const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v) || v <= 0) {
    throw UsageError("--scale must be a positive number, got '" + text + "'");
  }
  return v;
}

ImportedData read_input(const ImportFlags& f) {
  const int given = !f.idx.empty() + !f.csv.empty();
  if (given != 1) {
    throw UsageError("give one input: --idx IMAGES --labels LABELS, --csv FILE, or --onnx MODEL");
  }
  if (!f.idx.empty()) {
    if (f.labels.empty()) throw UsageError("--idx needs --labels LABELS (the IDX labels file)");
    return import_idx(f.idx, f.labels);
  }
  if (!f.labels.empty())
    throw UsageError("--labels goes with --idx; a CSV file holds its labels in --label-column");
  if (f.delimiter.size() != 1)
    throw UsageError("--delimiter must be one character, got '" + f.delimiter + "'");
  CsvImportOptions o;
  o.label_column = f.label_column;
  o.targets = f.targets;
  o.delimiter = f.delimiter[0];
  return import_csv(f.csv, o);
}

void report(const ImportFlags& f, const Dataset& d, const DataProvenance& p) {
  if (f.json) {
    Json j = Json::object();
    j.set("out", f.out)
        .set("samples", d.size())
        .set("sample_shape", Json::array_of(d.sample_shape));
    if (d.has_labels()) {
      j.set("classes", d.num_classes());
    } else {
      j.set("target_dim", d.target_dim);
    }
    j.set("source", p.source).set("preprocessing", p.preprocessing);
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::printf("wrote       %s: %s samples of %s, ", f.out.c_str(), grouped(d.size()).c_str(),
              to_string(d.sample_shape).c_str());
  if (d.has_labels()) {
    std::printf("labels 0..%lld\n", static_cast<long long>(d.num_classes() - 1));
  } else {
    std::printf("%lld real targets per sample\n", static_cast<long long>(d.target_dim));
  }
  std::printf("source      %s\nprepared    %s\n", p.source.c_str(), p.preprocessing.c_str());
}

// The flags of data imports that mean nothing to --onnx, given with a value other than their
// default.
std::string data_flag_given(const ImportFlags& f) {
  if (!f.idx.empty()) return "--idx";
  if (!f.csv.empty()) return "--csv";
  if (!f.labels.empty()) return "--labels";
  if (f.label_column != -1) return "--label-column";
  if (f.targets) return "--targets";
  if (f.delimiter != ",") return "--delimiter";
  if (f.limit != 0) return "--limit";
  if (f.subset != 0) return "--subset";
  if (!f.scale.empty()) return "--scale";
  if (f.normalize != "none") return "--normalize";
  if (!f.images_shape.empty()) return "--images-shape";
  return "";
}

// `--onnx IN --out MODEL.h5`: the imported graph with its loss and θ, written atomically.
int import_onnx_model(const ImportFlags& f) {
  const std::string stray = data_flag_given(f);
  if (!stray.empty()) throw UsageError(stray + " belongs to data imports, not to --onnx");
  const Shape sample =
      f.sample_shape.empty() ? Shape{} : parse_shape(f.sample_shape, "--sample-shape");
  const Model model = open_onnx(f.onnx, f.loss, sample);
  Attrs metadata;
  metadata.set("source", "hessian import --onnx " + f.onnx);
  metadata.set("loss", f.loss);
  write_model(f.out, model, metadata);
  const Graph& g = model.graph;
  if (f.json) {
    Json j = Json::object();
    j.set("out", f.out)
        .set("source", f.onnx)
        .set("parameters", g.num_params())
        .set("blocks", static_cast<int64_t>(g.blocks.size()))
        .set("input_shape", Json::array_of(g.input_shape))
        .set("loss_op", std::string(name_of(g.nodes[g.loss].op)));
    std::printf("%s\n", j.dump().c_str());
    return kExitOk;
  }
  std::printf("wrote       %s: %s parameters in %zu blocks, input %s, loss %s\n", f.out.c_str(),
              grouped(g.num_params()).c_str(), g.blocks.size(), to_string(g.input_shape).c_str(),
              std::string(name_of(g.nodes[g.loss].op)).c_str());
  std::printf("source      %s\n", f.onnx.c_str());
  return kExitOk;
}

}  // namespace

int run_import(const std::vector<std::string>& args) {
  ImportFlags f;
  po::options_description desc("Options");
  desc.add_options()("idx", po::value(&f.idx)->value_name("IMAGES"),
                     "IDX images file (MNIST family; plain or .gz)")(
      "labels", po::value(&f.labels)->value_name("LABELS"), "IDX labels file that goes with --idx")(
      "csv", po::value(&f.csv)->value_name("FILE"),
      "CSV file of numbers (plain or .gz), one sample per line")(
      "label-column", po::value(&f.label_column)->value_name("K")->default_value(-1),
      "CSV column holding the label, 0-based; negative counts from the end (-1: last)")(
      "targets", po::bool_switch(&f.targets),
      "the CSV label column is a real target (regression), not a class")(
      "delimiter", po::value(&f.delimiter)->value_name("C")->default_value(","),
      "CSV cell separator")("out", po::value(&f.out)->value_name("FILE"),
                            "data file to write (HDF5)")(
      "limit", po::value(&f.limit)->value_name("N")->default_value(0),
      "keep the first N samples (0: all)")(
      "subset", po::value(&f.subset)->value_name("N")->default_value(0),
      "keep a random subset of N samples, chosen by --seed, in file order (0: all)")(
      "seed", po::value(&f.seed)->value_name("S")->default_value(0), "seed of --subset")(
      "scale", po::value(&f.scale)->value_name("S"),
      "divide X by S (default: 255 for 8-bit IDX images, so pixels lie in [0, 1]; 1 otherwise)")(
      "normalize",
      po::value(&f.normalize)->value_name("none|feature|channel")->default_value("none"),
      "after scaling, standardize to mean 0 and variance 1 over the imported samples: each element "
      "of a "
      "sample (feature) or each channel, the first axis of a sample (channel)")(
      "images-shape", po::value(&f.images_shape)->value_name("CxHxW"),
      "view every sample as this shape, e.g. 1x8x8 for 64 CSV columns")(
      "onnx", po::value(&f.onnx)->value_name("MODEL"),
      "ONNX model exported from PyTorch (docs/onnx.md): --out is then a model file")(
      "loss", po::value(&f.loss)->value_name("ce|mse")->default_value("ce"),
      "--onnx: loss appended to the graph output")(
      "sample-shape", po::value(&f.sample_shape)->value_name("CxHxW"),
      "--onnx: one sample's shape, for a graph input with symbolic extents besides the batch")(
      "json", po::bool_switch(&f.json), "print one JSON object on stdout");
  const char* examples =
      "  hessian import --idx /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz \\\n"
      "                 --labels /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz --out "
      "fmnist-test.h5\n"
      "  hessian import --csv /usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz "
      "\\\n"
      "                 --label-column -1 --images-shape 1x8x8 --scale 16 --out digits.h5\n"
      "  hessian import --csv table.csv --label-column 0 --normalize feature --subset 1000 --seed "
      "1 --out t.h5\n"
      "  hessian import --onnx resnet.onnx --loss ce --out resnet.h5\n";
  if (!parse_args("import", args, desc,
                  "(--idx IMAGES --labels LABELS | --csv FILE | --onnx MODEL) --out FILE [options]",
                  examples)) {
    return kExitOk;
  }
  if (f.out.empty()) throw UsageError("no output: give --out FILE");
  if (!f.onnx.empty()) return import_onnx_model(f);
  if (f.loss != "ce") throw UsageError("--loss belongs to --onnx");
  PreprocessOptions pre;
  pre.limit = f.limit;
  pre.subset = f.subset;
  pre.seed = f.seed;
  pre.normalize = as_usage([&] { return parse_enum<Standardization>(f.normalize); });
  if (!f.sample_shape.empty()) throw UsageError("--sample-shape belongs to --onnx");
  if (!f.images_shape.empty()) pre.sample_shape = parse_shape(f.images_shape, "--images-shape");
  if (!f.scale.empty()) pre.scale = parse_scale(f.scale);
  as_usage([&] { pre.validate(); });

  ImportedData in = read_input(f);
  if (f.scale.empty()) pre.scale = in.default_scale;
  const std::string input = f.idx.empty() ? f.csv : f.idx;
  DataProvenance provenance;
  provenance.source = in.source;
  try {
    provenance.preprocessing = preprocess(in.data, pre, in.value_range);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(input + ": " + e.what());
  }
  write_data(f.out, in.data, provenance);
  report(f, in.data, provenance);
  return kExitOk;
}

}  // namespace hess::cli
