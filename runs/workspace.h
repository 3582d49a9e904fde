#pragma once
// What a run works on: the model, the data, the analysis set, the thread plan and the objective,
// opened from plain settings (the command line maps its flags onto Inputs; so does the Python
// module). Caller mistakes in the settings are FieldErrors naming the field; problems in files are
// FileErrors naming the file.
//
//   hess::runs::Inputs in;
//   in.model = "m.h5";  in.data = "d.h5";  in.samples = 1024;
//   auto ws = hess::runs::open_workspace(in);
//   hess::Objective& L = ws->objective();           // over the analysis set, θ = the model's
//   hess::ResultMetadata m = ws->metadata(command_line, hvps, seconds);

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/blas_threads.h"
#include "engine/dataset.h"
#include "engine/graph.h"
#include "engine/graph_builder.h"
#include "engine/objective.h"
#include "io/data_file.h"
#include "io/result_file.h"

namespace hess::runs {

class Observer;

// The most threads a run may ask for per core of the machine: more only costs memory (and
// thousands of threads under a memory limit leave OpenBLAS unable to shut down).
constexpr int kMaxThreadsPerCore = 4;
// Vectors of θ's length an analysis holds per direction column (directions, products, a basis
// or probe block and its workspace), counted in the memory estimate.
constexpr int64_t kVectorCopiesPerColumn = 4;
// Bytes per parameter the least analysis holds (θ, gradient, a direction, its product, in double,
// and the engine's parameter slots): an --arch with more than the memory over this is refused.
constexpr int64_t kBytesPerParameter = 64;
// The machine's cores (at least 1), shared among the ranks of a distributed run that run on it.
int all_cores();

// The share of the available memory kept passes may take when the user gives no --memory: the
// rest stays free for the products' own buffers, which are sized against what is left.
constexpr int64_t kKeepShareOfFree = 4;  // one quarter

// Samples synthesized for an architecture-spec model when no data file is given.
constexpr int64_t kSyntheticSamples = 1024;

struct Inputs {
  std::string model;  // a model file (HDF5) or an ONNX export (name ending in .onnx)
  std::string arch;   // or an architecture spec (engine/arch.h); weights drawn from `seed`
  LossKind loss = LossKind::CrossEntropy;  // appended to arch and ONNX models
  std::string data;                        // a data file; "" for synthetic data with `arch`
  // Data in memory instead of a file (the Python module's arrays), shared, never copied; `data`
  // must then be empty. Results name it "arrays" and carry the SHA-256 of its values.
  std::shared_ptr<const Dataset> arrays;
  int64_t samples = 0;                // analysis set: a seeded subset of this many; 0: all
  uint64_t seed = 0;                  // probes, directions, arch weights
  std::optional<uint64_t> data_seed;  // the subset and synthetic data; unset: `seed`
  int64_t batch_size = 256;
  int threads = 0;                       // cores to use; 0: all
  Precision precision = Precision::F32;  // passes in float, accumulated in double (--precision)
  double weight_decay = 0.0;
  // MiB the objective may spend keeping each batch's value pass and adjoints between products at
  // the same θ (engine/autodiff.h); unset: automatic (kKeepShareOfFree of the available memory).
  std::optional<uint64_t> memory_mib;
  // The seed of the analysis subset and of synthetic data: data_seed, else seed.
  uint64_t analysis_seed() const { return data_seed.value_or(seed); }
  // Throws FieldError naming the field.
  void validate() const;
};

// What the workspace must hold.
enum class Need : uint8_t {
  Model,         // the model only (data read when given, to fill ONNX shapes)
  ModelAndData,  // the model, the data and the objective
};

class Workspace {
 public:
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const Inputs& inputs() const { return inputs_; }
  Model& model() { return model_; }
  const Model& model() const { return model_; }
  // The model file's path, or "arch:SPEC".
  const std::string& model_label() const { return model_label_; }
  // The model file's path, "" for an arch model.
  const std::string& model_path() const { return model_path_; }
  const Dataset& data() const { return *data_; }
  bool has_data() const { return has_data_; }
  // The data file's path, or "synthetic".
  const std::string& data_label() const { return data_label_; }
  const std::string& data_path() const { return data_path_; }
  const DataProvenance& provenance() const { return provenance_; }
  // The analysis set: rows of data(), ascending.
  const std::vector<int64_t>& rows() const { return rows_; }
  // The cores asked for, and how they are split (engine/blas_threads.h).
  int cores() const { return cores_; }
  const ThreadPlan& plan() const { return plan_; }
  const ObjectiveOptions& objective_options() const { return objective_options_; }
  // The objective over the analysis set at the model's θ; throws std::logic_error without data.
  Objective& objective();
  const Objective& objective() const;
  bool has_objective() const { return objective_ != nullptr; }
  // The objective in double arithmetic at objective()'s θ: objective() itself when the passes are
  // float64, else a second objective over the same set, made on first use, that keeps nothing
  // between products (a float32 eigen run's final products: analyzers/eigen.h, in_double).
  Objective& double_objective();
  // One single-threaded objective per core over the analysis set, each at the model's θ, and
  // OpenBLAS set to one thread: point-level parallelism (landscape grids, roughness profiles).
  // `divide_among_ranks`: in a distributed run, their points are divided among the ranks
  // (analyzers/point_evaluator.h).
  std::vector<std::unique_ptr<Objective>> point_objectives(bool divide_among_ranks = false) const;
  // Memory (bytes) that products of k columns take: the objective's evaluation contexts
  // (engine/memory_estimate.h, one per batch thread) and the analysis's vectors.
  int64_t product_bytes(int k) const;
  // The most columns, at most `wanted` (and at least 1), whose products fit in the memory
  // available (runs/resources.h).
  int columns_that_fit(int wanted) const;
  // Throws FieldError(field, …) when products of k columns do not fit, naming the k that does.
  void check_columns(int k, const std::string& field) const;
  // The columns per product an analysis uses: `k` when the user chose it (checked as above), else
  // the most up to `k` that fit.
  int columns(int k, bool chosen, const std::string& field) const {
    if (!chosen) return columns_that_fit(k);
    check_columns(k, field);
    return k;
  }

  // Warnings met while opening (an ONNX export that folded BatchNorm).
  const std::vector<std::string>& warnings() const { return warnings_; }

  // The metadata of a result group: SHA-256 of the model and data files, seed, data seed,
  // precision, threads, the analysis set's size, and the run's products and seconds.
  ResultMetadata metadata(const std::string& command_line, int64_t hvps, double seconds) const;
  // Digests of the model's graph and θ, and of the whole data set (synthetic included), by value
  // (io/content_digest.h): what identifies them across files, for resumable runs.
  const std::string& model_values_digest() const;
  const std::string& data_values_digest() const;

 private:
  friend std::unique_ptr<Workspace> open_workspace(const Inputs&, Need);
  friend std::unique_ptr<Workspace> open_workspace(const Inputs&, Model, std::string, std::string,
                                                   Observer&);
  Workspace() = default;
  // Checks and keeps the inputs, reads the data file.
  void start(const Inputs& inputs);
  void open_model();
  // Synthetic data for an arch model without data, the fit, the analysis set, the thread plan and
  // the objective.
  void open_objective();
  int64_t product_bytes(int k, int64_t batch_size) const;
  // Refuses a batch size whose single products do not fit, naming one that does.
  void check_batch() const;

  Inputs inputs_;
  Model model_;
  std::string model_label_, model_path_;
  std::shared_ptr<const Dataset> data_ = std::make_shared<const Dataset>();
  bool has_data_ = false;
  std::string data_label_, data_path_;
  DataProvenance provenance_;
  std::vector<int64_t> rows_;
  int cores_ = 1;
  ThreadPlan plan_;
  ObjectiveOptions objective_options_;
  std::unique_ptr<Objective> objective_;
  std::unique_ptr<Objective> double_objective_;  // float32 runs only, made on first use
  std::vector<std::string> warnings_;
  mutable std::string model_sha256_, data_sha256_;  // computed on first use
  mutable std::string model_values_, data_values_;  // likewise
};

std::unique_ptr<Workspace> open_workspace(const Inputs& inputs, Need need = Need::ModelAndData);
// The same, passing the warnings met while opening to `observer` (--threads above the machine's
// cores, an ONNX export's folded BatchNorm).
std::unique_ptr<Workspace> open_workspace(const Inputs& inputs, Observer& observer,
                                          Need need = Need::ModelAndData);
// The same with the model given (a checkpoint of a series): inputs.model and inputs.arch are not
// read; `label` names the model and `path` is its file ("" for none).
std::unique_ptr<Workspace> open_workspace(const Inputs& inputs, Model model, std::string label,
                                          std::string path, Observer& observer);

// The analysis set: all rows in order, or a seeded random subset of `samples` rows, sorted.
std::vector<int64_t> analysis_rows(int64_t available, int64_t samples, uint64_t seed);

}  // namespace hess::runs
