#pragma once
// Flags shared by the commands (DESIGN.md §5), parsed by Boost.Program_options into plain structs.
// tools/ only parses flags into Options; what they mean lives in the library.

#include <boost/program_options.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hess::cli {

namespace po = boost::program_options;

struct CommonOptions {
  // model
  std::string model;        // --model FILE (.h5 model file or .onnx)
  std::string arch;         // --arch SPEC (random initial weights from --seed)
  std::string loss = "ce";  // --loss ce|mse (for --arch and ONNX)
  uint64_t seed = 0;        // --seed
  // data and evaluation
  std::string data;            // --data FILE
  int64_t samples = 0;         // --samples N (0: all)
  int64_t batch_size = 256;    // --batch-size
  int threads = 0;             // --threads (0: all cores)
  std::string precision = "f64";  // --precision f32|f64
  double weight_decay = 0.0;   // --weight-decay λ
  // curvature
  std::string curvature = "hessian";  // --curvature hessian|ggn
  std::vector<std::string> layers;     // --layers GLOB...
  // output
  std::string out = "results.h5";  // --out
  bool json = false;               // --json
  bool quiet = false;              // --quiet
  // the command line as typed, for result metadata
  std::string command_line;
};

void add_model_flags(po::options_description& d, CommonOptions& o);
void add_data_flags(po::options_description& d, CommonOptions& o);
void add_curvature_flags(po::options_description& d, CommonOptions& o);
void add_output_flags(po::options_description& d, CommonOptions& o, const char* default_out);

// Parses `args` for command `name`. Prints the help (usage, options, examples) on stdout and returns
// false when --help is given. Throws UsageError for unknown flags and bad values.
bool parse_args(std::string_view name, const std::vector<std::string>& args, po::options_description& desc,
                std::string_view synopsis, std::string_view examples,
                const po::positional_options_description* positional = nullptr);

// "hessian <name> <args...>" for result metadata.
std::string command_line(std::string_view name, const std::vector<std::string>& args);

}  // namespace hess::cli
