#pragma once
// What the command-line tests of the spectral commands (eigen, trace, diag, density, report) share:
// the small model they run on, running the program expecting success or a one-line error, and
// input files whose curvature products overflow.
//
//   hess::test::ScratchDir dir;
//   hess::test::CliRun r = hess::test::run_ok(dir, hess::test::spectral_args({"trace", "--json"}));
//   hess::test::check_error(dir, {"trace", "--probes", "-1", ...}, 2, "--probes must be positive");

#include <string>
#include <vector>

#include "runs/workspace.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

namespace hess::test {

// mlp:4-6-3:tanh on 64 synthetic samples, seed 3, one thread, float64 passes unless the flags
// choose (the tests hold the analyzers to dense double references; the float32 default has tests
// of its own): P = 51, an indefinite Hessian.
constexpr const char* kSpectralArch = "mlp:4-6-3:tanh";
constexpr int64_t kSpectralParams = 4 * 6 + 6 + 6 * 3 + 3;
// The command `command` on that model, with `more` flags.
std::vector<std::string> spectral_args(const std::vector<std::string>& command_and_flags);
// The same model and analysis set as options, for dense_reference.
runs::Inputs spectral_options();

// Runs the program; REQUIREs exit code 0 (stderr captured on failure).
CliRun run_ok(const ScratchDir& dir, const std::vector<std::string>& args);
// Checks the exit code, an empty stdout and one line on stderr starting with
// "hessian: error: " + message_start.
void check_error(const ScratchDir& dir, const std::vector<std::string>& args, int code,
                 const std::string& message_start);

// Writes big.h5 (mlp:4-6-3:relu, every weight 1e200: the logits overflow) and d.h5 (8 samples) in
// `dir`: any curvature product on them meets Inf.
void write_overflowing_inputs(const ScratchDir& dir);

}  // namespace hess::test
