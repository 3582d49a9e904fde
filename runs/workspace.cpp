#include "runs/workspace.h"

#include "runs/observer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <thread>

#include "dist/cluster.h"
#include "engine/arch.h"
#include "engine/compute_batch.h"
#include "engine/field_error.h"
#include "engine/memory_estimate.h"
#include "engine/random.h"
#include "io/content_digest.h"
#include "io/model_source.h"
#include "io/sha256.h"
#include "runs/resources.h"

namespace hess::runs {

int all_cores() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / dist::local_size());
}

void Inputs::validate() const {
  if (!model.empty() && !arch.empty()) throw FieldError("model", "and {arch} both given: give one");
  if (model.empty() && arch.empty())
    throw FieldError("model", "is missing: give a model file (or {arch})");
  if (samples < 0)
    throw FieldError("samples", "must be non-negative, got " + std::to_string(samples));
  if (batch_size <= 0)
    throw FieldError("batch_size", "must be positive, got " + std::to_string(batch_size));
  if (threads < 0)
    throw FieldError("threads", "must be non-negative, got " + std::to_string(threads));
  if (threads > kMaxThreadsPerCore * all_cores()) {
    throw FieldError(
        "threads", std::to_string(threads) + " is more than " + std::to_string(kMaxThreadsPerCore) +
                       " per core of this machine (" + std::to_string(all_cores()) + " cores)");
  }
  if (!std::isfinite(weight_decay) || weight_decay < 0)
    throw FieldError("weight_decay", "must be finite and non-negative");
  if (memory_mib && *memory_mib > (uint64_t{1} << 40))
    throw FieldError("memory_mib", "is more than any machine has: " + std::to_string(*memory_mib));
  if (arrays && !data.empty())
    throw FieldError("data", "and in-memory arrays both given: give one");
}

std::vector<int64_t> analysis_rows(int64_t available, int64_t samples, uint64_t seed) {
  if (samples < 0)
    throw FieldError("samples", "must be non-negative, got " + std::to_string(samples));
  if (samples > available) {
    throw FieldError("samples", std::to_string(samples) + " is more than the " +
                                    std::to_string(available) +
                                    " samples of the data (0 or no flag: all of them)");
  }
  if (samples == 0 || samples == available) {
    std::vector<int64_t> all(available);
    for (int64_t i = 0; i < available; ++i) all[i] = i;
    return all;
  }
  std::vector<int64_t> rows = random_subset(available, samples, seed);
  std::sort(rows.begin(), rows.end());
  return rows;
}

namespace {

constexpr const char* kArraysLabel = "arrays";

Dataset synthetic_data(const Graph& g, int64_t n, uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.sample_shape = g.input_shape;
  d.x.resize(n * numel(g.input_shape));
  for (float& v : d.x) v = static_cast<float>(rng.normal());
  const std::vector<Shape> shapes = infer_shapes(g, 1);
  const int64_t outputs = numel(shapes[g.output]);
  if (g.label_kind == LabelKind::Class) {
    d.labels.resize(n);
    for (int64_t& l : d.labels) l = rng.below(outputs);
  } else {
    d.target_dim = g.target_dim;
    d.targets.resize(n * g.target_dim);
    for (float& t : d.targets) t = static_cast<float>(rng.normal());
  }
  return d;
}

}  // namespace

Objective& Workspace::objective() {
  if (!objective_) throw std::logic_error("the workspace was opened without data");
  return *objective_;
}

const Objective& Workspace::objective() const {
  if (!objective_) throw std::logic_error("the workspace was opened without data");
  return *objective_;
}

Objective& Workspace::double_objective() {
  Objective& L = objective();
  if (L.precision() == Precision::F64) return L;
  if (!double_objective_) {
    ObjectiveOptions o = objective_options_;
    o.keep_bytes = 0;
    double_objective_ = make_objective(model_.graph, *data_, rows_, o, Precision::F64);
  }
  double_objective_->set_parameters(L.parameters());
  return *double_objective_;
}

std::vector<std::unique_ptr<Objective>> Workspace::point_objectives(bool divide_among_ranks) const {
  set_blas_threads(1);
  ObjectiveOptions one = objective_options_;
  one.threads = 1;
  one.reduction = nullptr;  // a point is evaluated whole by one rank
  one.keep_bytes = 0;       // points are values and gradients, never products at one θ
  if (divide_among_ranks) one.point_ranks = dist::reduction();
  std::vector<std::unique_ptr<Objective>> out;
  for (int t = 0; t < cores_; ++t) {
    out.push_back(make_objective(model_.graph, *data_, rows_, one, inputs_.precision));
    out.back()->set_parameters(model_.theta);
  }
  return out;
}

int64_t Workspace::product_bytes(int k) const {
  return product_bytes(k, inputs_.batch_size);
}

int64_t Workspace::product_bytes(int k, int64_t batch_size) const {
  const int64_t scalar = inputs_.precision == Precision::F32 ? 4 : 8;
  const int64_t batch = compute_batch(
      model_.graph,
      std::min<int64_t>(batch_size, std::max<int64_t>(1, static_cast<int64_t>(rows_.size()))),
      scalar);
  const int64_t contexts =
      context_bytes(model_.graph, batch, k, scalar) * std::max(1, objective_options_.threads);
  // The analysis's own vectors: directions and products of k columns, in double, a few copies.
  const int64_t vectors = model_.graph.num_params() * 8 * kVectorCopiesPerColumn * k;
  return contexts + vectors + objective_options_.keep_bytes;
}

int Workspace::columns_that_fit(int wanted) const {
  const int64_t free = available_memory();
  int k = std::max(1, wanted);
  while (k > 1 && product_bytes(k) > free) --k;
  // Every rank of a distributed run makes the same products: rank 0's choice holds for all.
  std::vector<int64_t> chosen{k};
  dist::broadcast(chosen);
  return static_cast<int>(chosen[0]);
}

void Workspace::check_columns(int k, const std::string& field) const {
  const int64_t need = product_bytes(k);
  if (k <= 1 || need <= available_memory()) return;
  const int fit = columns_that_fit(k);
  check_memory(
      need, field,
      std::to_string(k) + " (columns per product of " + model_label_ + ", " +
          std::to_string(objective_options_.threads) + " threads x batch " +
          std::to_string(inputs_.batch_size) + ")",
      "at most " + std::to_string(fit) + " fit, use {" + field + "} " + std::to_string(fit));
}

void Workspace::check_batch() const {
  const int64_t need = product_bytes(1);
  if (need <= available_memory()) return;
  const int64_t free = available_memory();
  int64_t fit = inputs_.batch_size;
  while (fit > 1 && product_bytes(1, fit) > free) fit /= 2;
  check_memory(need, "batch_size",
               std::to_string(inputs_.batch_size) + " (one product of " + model_label_ + ", " +
                   std::to_string(objective_options_.threads) + " threads)",
               product_bytes(1, fit) <= free
                   ? "use {batch_size} " + std::to_string(fit)
                   : "the model does not fit this machine even one sample at a time");
}

ResultMetadata Workspace::metadata(const std::string& command_line, int64_t hvps,
                                   double seconds) const {
  if (model_sha256_.empty() && !model_path_.empty()) model_sha256_ = sha256_file(model_path_);
  if (data_sha256_.empty() && !data_path_.empty()) data_sha256_ = sha256_file(data_path_);
  if (data_sha256_.empty() && inputs_.arrays) data_sha256_ = data_values_digest();
  ResultMetadata m;
  m.command_line = command_line;
  m.model_sha256 = model_sha256_;
  m.data_sha256 = data_sha256_;
  m.seed = inputs_.seed;
  m.data_seed = inputs_.analysis_seed();
  m.precision = std::string(name_of(inputs_.precision));
  m.threads = objective_options_.threads;
  m.ranks = dist::size();
  m.samples = objective_ ? objective_->num_samples() : 0;
  m.hvps = hvps;
  m.seconds = seconds;
  if (objective_) {
    const KeptBatches k = objective_->kept();
    m.batches = k.total;
    m.compute_batch = objective_->compute_batch_size();
    m.kept_batches = k.batches;
    m.kept_bytes = k.bytes;
    m.reused_passes = k.reused;
  }
  return m;
}

const std::string& Workspace::model_values_digest() const {
  if (model_values_.empty()) model_values_ = model_digest(model_);
  return model_values_;
}

const std::string& Workspace::data_values_digest() const {
  if (data_values_.empty()) data_values_ = data_digest(*data_);
  return data_values_;
}

void Workspace::start(const Inputs& inputs) {
  inputs.validate();
  inputs_ = inputs;
  cores_ = inputs.threads > 0 ? inputs.threads : all_cores();
  if (inputs.threads > all_cores()) {
    warnings_.push_back("{threads} " + std::to_string(inputs.threads) + " is more than the " +
                        std::to_string(all_cores()) + " cores of this machine");
  }
  objective_options_.batch_size = inputs.batch_size;
  objective_options_.threads = cores_;
  objective_options_.weight_decay = inputs.weight_decay;
  if (!inputs.data.empty()) {
    DataFile file = read_data_file(inputs.data);
    data_ = std::make_shared<const Dataset>(std::move(file.data));
    provenance_ = std::move(file.provenance);
    data_label_ = data_path_ = inputs.data;
    has_data_ = true;
  } else if (inputs.arrays) {
    data_ = inputs.arrays;
    data_label_ = kArraysLabel;
    has_data_ = true;
  }
}

void Workspace::open_model() {
  if (!inputs_.arch.empty()) {
    ArchOptions a;
    a.loss = inputs_.loss;
    a.seed = inputs_.seed;
    a.sample_shape = data_->sample_shape;
    a.max_params = available_memory() / kBytesPerParameter;
    model_ = build_arch(inputs_.arch, a);
    model_label_ = "arch:" + inputs_.arch;
    return;
  }
  ModelSourceOptions o;
  o.loss = inputs_.loss;
  o.sample_shape_hint = data_->sample_shape;
  OpenedModel m = hess::open_model(inputs_.model, o);
  model_ = std::move(m.model);
  warnings_.insert(warnings_.end(), m.warnings.begin(), m.warnings.end());
  model_label_ = model_path_ = inputs_.model;
}

void Workspace::open_objective() {
  if (!has_data_) {
    if (inputs_.arch.empty()) throw FieldError("data", "is missing: give a data file");
    const int64_t n = inputs_.samples > 0 ? inputs_.samples : kSyntheticSamples;
    int64_t per_sample = 1;
    for (int64_t d : model_.graph.input_shape) per_sample *= d;
    check_memory(n * (per_sample + 1) * static_cast<int64_t>(sizeof(float)), "samples",
                 std::to_string(n) + " synthetic samples of " + model_label_, "");
    data_label_ = "synthetic";
    data_ = std::make_shared<const Dataset>(
        synthetic_data(model_.graph, inputs_.samples > 0 ? inputs_.samples : kSyntheticSamples,
                       inputs_.analysis_seed()));
    has_data_ = true;
  }
  try {
    check_data_fits(model_.graph, *data_);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(data_label_ + ": does not fit the model " + model_label_ + ": " +
                             e.what());
  }
  rows_ = analysis_rows(data_->size(), inputs_.samples, inputs_.analysis_seed());
  // One level of parallelism at a time (docs/algorithms.md, "Performance and threads").
  // A distributed run splits the analysis set into one shard per rank (engine/objective.h).
  objective_options_.reduction = dist::reduction();
  const Shard shard = shard_of(static_cast<int64_t>(rows_.size()), dist::rank(), dist::size());
  const int64_t batch =
      compute_batch(model_.graph, inputs_.batch_size, inputs_.precision == Precision::F32 ? 4 : 8);
  const int64_t batches = (shard.last - shard.first + batch - 1) / batch;
  plan_ = plan_threads(cores_, std::max<int64_t>(1, batches));
  objective_options_.threads = plan_.batch_threads;
  if (inputs_.memory_mib) {
    check_memory(static_cast<int64_t>(*inputs_.memory_mib << 20), "memory_mib",
                 std::to_string(*inputs_.memory_mib) + " (MiB of kept passes)",
                 "give less, or 0 to keep none");
  }
  objective_options_.keep_bytes = inputs_.memory_mib
                                      ? static_cast<int64_t>(*inputs_.memory_mib << 20)
                                      : available_memory() / kKeepShareOfFree;
  check_batch();
  set_blas_threads(plan_.blas_threads);
  try {
    objective_ = make_objective(model_.graph, *data_, rows_, objective_options_, inputs_.precision);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(data_label_ + ": " + e.what());
  }
  objective_->set_parameters(model_.theta);
}

std::unique_ptr<Workspace> open_workspace(const Inputs& inputs, Need need) {
  std::unique_ptr<Workspace> w(new Workspace());
  w->start(inputs);
  w->open_model();
  if (need == Need::ModelAndData) {
    w->open_objective();
    // Every rank has its inputs (a file missing on one machine ends all ranks here).
    dist::agree();
  }
  return w;
}

std::unique_ptr<Workspace> open_workspace(const Inputs& inputs, Observer& observer, Need need) {
  auto ws = open_workspace(inputs, need);
  for (const std::string& w : ws->warnings()) observer.warn(w);
  return ws;
}

std::unique_ptr<Workspace> open_workspace(const Inputs& inputs, Model model, std::string label,
                                          std::string path, Observer& observer) {
  Inputs in = inputs;
  in.model = label;  // validate() wants a model; the given one stands for it
  in.arch.clear();
  std::unique_ptr<Workspace> w(new Workspace());
  w->start(in);
  w->inputs_ = inputs;
  w->model_ = std::move(model);
  w->model_label_ = std::move(label);
  w->model_path_ = std::move(path);
  w->open_objective();
  dist::agree();
  for (const std::string& warning : w->warnings()) observer.warn(warning);
  return w;
}

}  // namespace hess::runs
