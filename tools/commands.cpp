#include "tools/commands.h"

namespace hess::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"density",
       "spectral density by stochastic Lanczos quadrature: raw nodes and weights, smoothed "
       "density, negative mass",
       run_density},
      {"diag", "diagonal of the Hessian or GGN by Hutchinson's estimator, with per-layer summaries",
       run_diag},
      {"eigen",
       "extreme eigenvalues (largest, smallest or both ends) of the Hessian or GGN, by Lanczos or "
       "power iteration",
       run_eigen},
      {"eos",
       "edge of stability along a run: sharpness against the optimizer's threshold at every "
       "checkpoint, onset and phases",
       run_eos},
      {"info",
       "blocks, sizes and loss of a model; fit of a data set; timing of loss, gradient and HVP",
       run_info},
      {"import",
       "IDX (MNIST family) or CSV files into a data file; an ONNX model into a model file",
       run_import},
      {"landscape",
       "1-D and 2-D loss landscapes: random, eigenvector, interpolation, PCA or file axes",
       run_landscape},
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
       run_roughness},
      {"sensitivity",
       "HAWQ-style per-block quantization sensitivity (lambda_max, trace, omega, exact "
       "second-order prediction, measured loss change) and mixed-precision bit allocation",
       run_sensitivity},
      {"sharpness",
       "lambda_max, trace, Frobenius norm, gradient overlap; average, worst-case and Keskar "
       "sharpness",
       run_sharpness},
      {"trace",
       "trace of the Hessian or GGN (Hutchinson, Hutch++, XTrace) with per-layer traces and "
       "|H|_F^2",
       run_trace},
      {"train",
       "train a model (gd, sgd, momentum, nesterov, adam) into a run directory of checkpoints and "
       "a log",
       run_train},
  };
  return table;
}

}  // namespace hess::cli
