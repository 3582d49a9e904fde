#pragma once
// Checkpoint series: the models of one training run, in step order, for the analyses that follow a
// run (landscape PCA of a trajectory, roughness along a run, eos offline). A series is either
//
//   - a folder of model files whose names carry the step: run/step-00000100.h5,
//   run/step-00000200.h5
//     (the last run of digits in a file's name is its step), or
//   - one file with format = "hessian-checkpoints" holding one model group per step:
//     /step-00000100, /step-00000200, ... (each group has the model file schema).
//
// list_checkpoints accepts a folder, a glob ("run/*.h5"), a series file or a single model file, and
// returns the checkpoints sorted by step (then by name). Folders and globs skip the optimizer
// states `hessian train` writes beside its checkpoints (names ending in ".state.h5"):
//
//   for (const hess::Checkpoint& c : hess::list_checkpoints("run/")) {
//     hess::ModelFile m = hess::read_checkpoint(c);   // errors name c.label()
//   }
//
//   hess::append_checkpoint("run.h5", 300, model);    // adds /step-00000300 to a series file

#include <cstdint>
#include <string>
#include <vector>

#include "io/model_file.h"

namespace hess {

inline constexpr const char* kCheckpointsFormat = "hessian-checkpoints";
// The name ending of the optimizer state files `hessian train` writes beside its checkpoints.
inline constexpr const char* kOptimizerStateSuffix = ".state.h5";
constexpr int64_t kCheckpointsFormatVersion = 1;

struct Checkpoint {
  std::string file;   // the HDF5 file
  std::string group;  // "/" for a model file, "/step-00000100" inside a series file
  int64_t step = -1;  // -1 when the name carries no number
  // "run/step-00000100.h5" or "run.h5:/step-00000100".
  std::string label() const;
};

// "step-00000100" (8 digits, more when needed).
std::string checkpoint_name(int64_t step);

// Throws FileError when nothing matches or a file cannot be classified.
std::vector<Checkpoint> list_checkpoints(const std::string& path_or_glob);
ModelFile read_checkpoint(const Checkpoint& c);

// Adds (or replaces) the model of `step` in the series file `path`, creating the file when absent.
// The group is written under a temporary name and linked as step-NNNNNNNN once complete, so a
// reader never sees a half-written step.
void append_checkpoint(const std::string& path, int64_t step, const Model& model,
                       const Attrs& metadata = {});

}  // namespace hess
