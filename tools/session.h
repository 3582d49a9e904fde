#pragma once
// What a command works on: the model, the data, the analysis set and the objective, loaded from the
// common flags. Errors in flag values are UsageError (exit 2); errors in files are runtime errors
// naming the file (exit 1).

#include <memory>
#include <string>
#include <vector>

#include "engine/dataset.h"
#include "engine/graph.h"
#include "engine/objective.h"
#include "io/data_file.h"
#include "tools/common_options.h"

namespace hess::cli {

// The objective refers to the model and data held here, so a Session never moves.
struct Session {
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Model model;
  std::string model_label;  // the model file's path, or "arch:SPEC"
  std::string model_path;   // the model file's path, "" for --arch
  Dataset data;
  std::string data_label;  // the data file's path, or "synthetic"
  std::string data_path;   // the data file's path, "" for synthetic data
  DataProvenance data_provenance;
  std::vector<int64_t> rows;  // the analysis set: rows of `data`
  // --threads (0: all cores), before the plan splits them into batch and OpenBLAS threads.
  int cores = 1;
  ObjectiveOptions objective_options;  // threads: the batch threads of the plan
  Precision precision = Precision::F64;
  std::unique_ptr<Objective> objective;  // θ = model.theta
};

// Samples synthesized for an --arch model when no --data is given.
constexpr int64_t kSyntheticSamples = 1024;

// Loads the model (--model or --arch) and, when `need_data`, the data (--data, or synthetic data
// for --arch) and builds the objective over the analysis set.
std::unique_ptr<Session> open_session(const CommonOptions& o, bool need_data);

// The same with the model given (a checkpoint of a series, for analyses along a training run):
// --model and --arch are not read; `label` names the model, `path` is its file ("" for none).
std::unique_ptr<Session> open_session(const CommonOptions& o, Model model, std::string label,
                                      std::string path);

// Loads only the model: --arch (samples of `sample_shape` when given), a model file, or an ONNX
// file (name ending in .onnx). File problems are FileErrors naming the file.
Model open_model(const CommonOptions& o, std::string* label, const Shape& sample_shape = {});

// Imports the ONNX file at `path` with the loss named `loss` (ce|mse) appended; `sample_shape`,
// when given, must agree with the graph input. Errors name the file.
Model open_onnx(const std::string& path, const std::string& loss, const Shape& sample_shape = {});

// Whether this build can read .onnx models.
bool onnx_available();

// The analysis set: all rows in order, or a seeded random subset of `samples` rows, sorted.
std::vector<int64_t> analysis_rows(int64_t available, int64_t samples, uint64_t seed);

}  // namespace hess::cli
