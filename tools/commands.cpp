#include "tools/commands.h"

namespace hess::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"density",
       "spectral density by stochastic Lanczos quadrature: raw nodes and weights, smoothed "
       "density, negative mass",
       [](const std::vector<std::string>& a) { return run_prepared(prepare_density, a); },
       prepare_density},
      {"diag", "diagonal of the Hessian or GGN by Hutchinson's estimator, with per-layer summaries",
       [](const std::vector<std::string>& a) { return run_prepared(prepare_diag, a); },
       prepare_diag},
      {"eigen",
       "extreme eigenvalues (largest, smallest or both ends) of the Hessian or GGN, by Lanczos or "
       "power iteration",
       [](const std::vector<std::string>& a) { return run_prepared(prepare_eigen, a); },
       prepare_eigen},
      {"eos",
       "edge of stability along a run: sharpness against the optimizer's threshold at every "
       "checkpoint, onset and phases",
       [](const std::vector<std::string>& a) { return run_prepared(prepare_eos, a); }, prepare_eos},
      {"info",
       "blocks, sizes and loss of a model; fit of a data set; timing of loss, gradient and HVP",
       run_info},
      {"import",
       "IDX (MNIST family) or CSV files into a data file; an ONNX model into a model file",
       run_import},
      {"landscape",
       "1-D and 2-D loss landscapes: random, eigenvector, interpolation, PCA or file axes",
       [](const std::vector<std::string>& a) { return run_prepared(prepare_landscape, a); },
       prepare_landscape},
      {"plot",
       "figures of result files and training logs: one self-contained HTML page, SVG and PNG "
       "files",
       run_plot},
      {"report",
       "spectral summary (top eigenvalues, per-layer traces, density) of a model, the bundled "
       "sample by default: result file and Markdown",
       run_report},
      {"roughness",
       "roughness index (Wu et al.): spread of the total variation of random 1-D loss profiles; "
       "--along a run",
       [](const std::vector<std::string>& a) { return run_prepared(prepare_roughness, a); },
       prepare_roughness},
      {"sensitivity",
       "HAWQ-style per-block quantization sensitivity (lambda_max, trace, omega, exact "
       "second-order prediction, measured loss change) and mixed-precision bit allocation",
       [](const std::vector<std::string>& a) { return run_prepared(prepare_sensitivity, a); },
       prepare_sensitivity},
      {"sharpness",
       "lambda_max, trace, Frobenius norm, gradient overlap; average, worst-case and Keskar "
       "sharpness",
       [](const std::vector<std::string>& a) { return run_prepared(prepare_sharpness, a); },
       prepare_sharpness},
      {"trace",
       "trace of the Hessian or GGN (Hutchinson, Hutch++, XTrace) with per-layer traces and "
       "|H|_F^2",
       [](const std::vector<std::string>& a) { return run_prepared(prepare_trace, a); },
       prepare_trace},
      {"train",
       "train a model (gd, sgd, momentum, nesterov, adam) into a run directory of checkpoints and "
       "a log",
       run_train},
  };
  return table;
}

}  // namespace hess::cli
