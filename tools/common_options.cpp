#include "tools/common_options.h"

#include <iostream>
#include <sstream>

#include "tools/cli_error.h"

namespace hess::cli {

void add_model_flags(po::options_description& d, CommonOptions& o) {
  d.add_options()
      ("model", po::value(&o.model)->value_name("FILE"), "model file (HDF5 model file, or .onnx exported from PyTorch)")
      ("arch", po::value(&o.arch)->value_name("SPEC"),
       "build a model from an architecture spec instead (mlp:784-128-10:tanh, cnn:..., resnet:..., transformer:...), weights from --seed")
      ("loss", po::value(&o.loss)->value_name("ce|mse")->default_value("ce"), "loss appended to --arch and ONNX models")
      ("seed", po::value(&o.seed)->value_name("N")->default_value(0), "seed of every random choice (samples, probes, weights)");
}

void add_data_flags(po::options_description& d, CommonOptions& o) {
  d.add_options()
      ("data", po::value(&o.data)->value_name("FILE"), "data file (HDF5, from `hessian import`)")
      ("samples", po::value(&o.samples)->value_name("N")->default_value(0),
       "size of the analysis set: a seeded random subset of N samples (0: all)")
      ("batch-size", po::value(&o.batch_size)->value_name("N")->default_value(256), "samples per batch")
      ("threads", po::value(&o.threads)->value_name("N")->default_value(0), "worker threads (0: all cores)")
      ("precision", po::value(&o.precision)->value_name("f32|f64")->default_value("f64"), "arithmetic of the passes")
      ("weight-decay", po::value(&o.weight_decay)->value_name("L")->default_value(0.0),
       "add (L/2)|theta|^2 to the objective");
}

void add_curvature_flags(po::options_description& d, CommonOptions& o) {
  d.add_options()
      ("curvature", po::value(&o.curvature)->value_name("hessian|ggn")->default_value("hessian"),
       "the Hessian, or the generalized Gauss-Newton matrix (PSD)")
      ("layers", po::value(&o.layers)->value_name("GLOB")->multitoken(),
       "restrict to parameter blocks whose names match (e.g. 'layer1.*' '*.weight')");
}

void add_output_flags(po::options_description& d, CommonOptions& o, const char* default_out) {
  o.out = default_out;
  d.add_options()
      ("out", po::value(&o.out)->value_name("FILE")->default_value(default_out), "result file (HDF5; appended)")
      ("json", po::bool_switch(&o.json), "print one JSON object with the summary on stdout")
      ("quiet", po::bool_switch(&o.quiet), "no progress on stderr");
}

bool parse_args(std::string_view name, const std::vector<std::string>& args, po::options_description& desc,
                std::string_view synopsis, std::string_view examples,
                const po::positional_options_description* positional) {
  bool help = false;
  desc.add_options()("help,h", po::bool_switch(&help), "show this help");
  po::variables_map vm;
  try {
    po::command_line_parser parser(args);
    parser.options(desc);
    // No positional arguments unless the command declares them: a stray word (an unquoted glob the
    // shell expanded, a misspelt flag's value) is an error, not silently dropped.
    const po::positional_options_description none;
    parser.positional(positional ? *positional : none);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(name) + ": " + e.what());
  }
  if (help) {
    std::cout << "usage: hessian " << name << " " << synopsis << "\n\n" << desc << "\n";
    if (!examples.empty()) std::cout << "Examples:\n" << examples << "\n";
    return false;
  }
  return true;
}

std::string command_line(std::string_view name, const std::vector<std::string>& args) {
  std::string s = "hessian " + std::string(name);
  for (const std::string& a : args) {
    const bool quote = a.find_first_of(" \t'\"*?") != std::string::npos;
    s += " " + (quote ? "'" + a + "'" : a);
  }
  return s;
}

}  // namespace hess::cli
