#pragma once
// Result files: what every analysis command writes (docs/formats.md, section "Result file").
//
// A result file holds one group per analysis (/eigen, /trace, /landscape, ...) with raw arrays
// (float64 datasets of any rank, int64 and string lists) and attributes, plus the metadata of
// DESIGN.md §4 on every group (engine version, command line, model and data SHA-256, seed,
// precision, threads, samples, HVP count, seconds, BatchNorm semantics). Rerunning an analysis
// replaces its group; the file's other groups are kept ("appending").
//
// Writes are atomic. Everything goes to NAME.partial: the groups of this run, then at commit()
// copies of NAME's other groups; NAME.partial is renamed over NAME only when complete. When the
// run fails (an exception, or the ResultFile destroyed without commit), NAME.partial is removed and
// NAME is untouched.
//
//   hess::ResultFile rf("results.h5");            // refuses a NAME that exists and is not a result
//   file hess::ResultGroup& g = rf.group("eigen"); g.write("eigenvalues", values); //
//   std::vector<double>, 1-D g.write("eigenvectors", V.data(), {k, P});     // any rank, row-major
//   g.attr("k", 5);
//   g.attr("which", "top");
//   rf.commit(meta);                               // metadata on every group written, then rename
//
// Resumable progress (long runs: landscape grids, eos series). A group opened with
// resumable_group() lives in a progress file, NAME.progress.partial, that is flushed as points
// complete and survives an interruption (kill, crash, exception). A rerun with the same NAME finds
// the group there and continues; commit() copies it into the result and removes it from the
// progress file (the file itself once empty). Other commands writing NAME meanwhile do not touch
// it. Values set are staged in memory and written at the next flush together with the group's
// seal (io/progress_seal.h); a rerun checks the seal and sets a damaged file aside
// (check_progress).
//
//   hess::ResultFile rf("results.h5");
//   hess::ResultGroup& g = rf.resumable_group("landscape");
//   if (g.resumed() && g.attr_value("settings") != settings) g.clear();   // another run's progress
//   g.attr("settings", settings);
//   hess::ProgressArray loss = g.progress("train_loss", {ny, nx}, -1.0);   // created filled with
//   -1,
//                                                                          // or reopened as it was
//   for (int64_t i : loss.missing()) {                                     // only unevaluated
//   points
//     loss.set(i, evaluate(i));
//     loss.flush();                                                        // now safe on disk
//   }
//   rf.commit(meta);

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/shape.h"
#include "io/atomic_output.h"
#include "io/hdf5_file.h"

namespace hess {

inline constexpr const char* kResultFormat = "hessian-results";
constexpr int64_t kResultFormatVersion = 1;
// What BatchNorm nodes use during every analysis (DESIGN.md §2), stated in each group.
inline constexpr const char* kBatchNormSemantics = "running statistics (eval)";

// The metadata attributes written on every group at commit (engine_version is added by the
// writer).
struct ResultMetadata {
  std::string command_line;
  std::string model_sha256;  // of the model file ("" for an --arch model)
  std::string data_sha256;   // of the data file ("" for synthetic data)
  uint64_t seed = 0;         // probes, directions, arch weights
  uint64_t data_seed = 0;    // the analysis subset (and synthetic data)
  std::string precision;     // "f32" or "f64"
  int64_t threads = 0;       // per rank
  int64_t ranks = 1;         // processes of a distributed run (docs/distributed.md)
  int64_t samples = 0;       // size of the analysis set
  int64_t hvps = 0;          // curvature-vector products
  double seconds = 0.0;
  // Reuse at a fixed θ (engine/autodiff.h), per rank: batches of a pass, those whose value pass and
  // adjoints were kept between products and the memory they held, and batch passes served from
  // them.
  int64_t batches = 0;
  int64_t compute_batch = 0;  // samples per batch of a pass (engine/compute_batch.h)
  int64_t kept_batches = 0;
  int64_t kept_bytes = 0;
  int64_t reused_passes = 0;
  std::string batchnorm = kBatchNormSemantics;
  std::string engine_version;  // filled by the reader; the writer writes its own
};

// "NAME.progress.partial".
std::string progress_path_of(const std::string& path);

// Checks the root of a result file: format "hessian-results", version 1. Throws FileError.
void check_result_format(const h5::Group& root);

// A result file that may be hostile, checked and its groups copied into an in-memory image in a
// child process (io/isolated_read.h): a file that crashes or hangs HDF5, or whose groups copy to
// more than twice its size plus 1 MiB (a damaged size field), throws FileError naming it.
std::string isolated_result_image(const std::string& path);

// A float64 dataset whose unevaluated elements hold a marker (−1 for landscape grids, as
// tomgoldstein/loss-landscape does, or NaN), written element by element as a long run proceeds.
class ResultGroup;

class ProgressArray {
 public:
  ProgressArray(h5::Dataset dataset, ResultGroup* group, Shape shape, double marker, bool reused)
      : dataset_(std::move(dataset)),
        group_(group),
        shape_(std::move(shape)),
        marker_(marker),
        reused_(reused) {}

  const Shape& shape() const { return shape_; }
  int64_t size() const { return numel(shape_); }
  double marker() const { return marker_; }
  // Whether the array was found in the progress file (else created filled with the marker).
  bool reused() const { return reused_; }
  // Flat (row-major) indices of the elements still holding the marker, ascending.
  std::vector<int64_t> missing() const;
  // All elements, flat (staged ones included).
  std::vector<double> values() const;
  // The dataset's name in its group.
  std::string name() const;
  // Staged in memory and written by the next flush (so the file always holds a sealed state).
  void set(int64_t index, double value);
  void set_range(int64_t first, const std::vector<double>& values);
  // Writes everything to disk (sealing the group, io/progress_seal.h): what is set survives an
  // interruption from here on.
  void flush();

 private:
  h5::Dataset dataset_;
  ResultGroup* group_;
  Shape shape_;
  double marker_;
  bool reused_;
};

class ResultGroup {
 public:
  // A group of the result (`resumable` false) or of the progress file, sealed at every flush.
  ResultGroup(h5::Group group, h5::File* file, bool resumed, bool resumable = false)
      : group_(std::move(group)), file_(file), resumed_(resumed), resumable_(resumable) {}

  // Datasets (an existing one of the same name is replaced).
  void write(const std::string& name, const std::vector<double>& values);
  void write(const std::string& name, const double* data, const Shape& shape);
  void write(const std::string& name, const std::vector<int64_t>& values);
  void write(const std::string& name, const std::vector<std::string>& values);

  // Attributes: integers, reals, strings and lists of them (h5::Value).
  void attr(const std::string& name, const h5::Value& value) { group_.set_attr(name, value); }
  void attr(const std::string& name, const char* value) { group_.set_attr(name, value); }
  template <class I>
  requires(std::is_integral_v<I>&& std::is_signed_v<I>) void attr(const std::string& name,
                                                                  I value) {
    group_.set_attr(name, value);
  }
  bool has_attr(const std::string& name) const { return group_.has_attr(name); }
  // An attribute's value, or nothing when absent.
  std::optional<h5::Value> attr_value(const std::string& name) const;

  // A progress array (see the header comment): reopened when the group was resumed and holds a
  // float64 dataset `name` of this shape and marker, else (re)created filled with `marker`.
  ProgressArray progress(const std::string& name, const Shape& shape, double marker);

  // Whether the group was found in the progress file.
  bool resumed() const { return resumed_; }
  // Writes the file holding the group to disk (for a resumable group: sealed first, so what is
  // written survives an interruption from here on and is checked when reused).
  void flush();
  // Removes every dataset, subgroup and attribute (to restart a resumed group).
  void clear();
  // Values of progress array `name` set since the last flush: (index, value) in order.
  std::vector<std::pair<int64_t, double>>& staged(const std::string& name) { return staged_[name]; }
  // The underlying HDF5 group, for nested structure.
  h5::Group& h5() { return group_; }

 private:
  void replace(const std::string& name);
  h5::Group group_;
  h5::File* file_;
  bool resumed_;
  bool resumable_;
  std::map<std::string, std::vector<std::pair<int64_t, double>>> staged_;
};

class ResultFile {
 public:
  // Locks `path` for the life of this object (unless `held` is its lock, taken by the caller for
  // a longer run) and reads an existing file's groups in a child process (io/isolated_read.h), so a
  // damaged file is an error and never a crash. Throws FileError when another process writes
  // `path`, when it exists and is not a readable result file (it is never replaced then), or when
  // the temporary cannot be created (io/atomic_output.h).
  explicit ResultFile(std::string path, const FileLock* held = nullptr);
  ResultFile(const ResultFile&) = delete;
  ResultFile& operator=(const ResultFile&) = delete;
  // Without commit(): removes NAME.partial; flushes and keeps the progress file.
  ~ResultFile();

  const std::string& path() const { return path_; }
  // Checks the progress file of `path` (NAME.progress.partial) when there is one, reading it in a
  // child process: a file that cannot be read, or holds a group whose seal does not match
  // (io/progress_seal.h), is moved aside to NAME.progress.partial.damaged. Returns the note saying
  // so ("" when the file is usable or absent). Call it holding the lock of `path`.
  static std::string check_progress(const std::string& path);
  static constexpr const char* kDamagedSuffix = ".damaged";

  // The group `name` of this run (a plain name: no '/'), replacing NAME's group of that name at
  // commit. Throws std::invalid_argument for a bad name or a name already used by this run.
  ResultGroup& group(const std::string& name);
  // The same, kept in the progress file and resumed from it (see the header comment).
  ResultGroup& resumable_group(const std::string& name);
  // Why the progress file could not be used ("" when it could, or there was none): it is then
  // started afresh.
  const std::string& progress_note() const { return progress_note_; }

  // Writes `meta` on every group of this run, copies NAME's other groups, and renames NAME.partial
  // over NAME. Throws FileError (NAME is then untouched).
  void commit(const ResultMetadata& meta);

 private:
  void check_name(const std::string& name) const;
  h5::File& progress_file();

  std::string path_;
  AtomicOutput output_;
  std::unique_ptr<h5::File> existing_;  // the groups of the file being added to, read isolated
  std::unique_ptr<h5::File> partial_;
  std::unique_ptr<h5::File> progress_;
  std::string progress_note_;
  std::map<std::string, std::unique_ptr<ResultGroup>> groups_;
  std::map<std::string, bool> resumable_;  // group name -> lives in the progress file
  bool committed_ = false;
};

}  // namespace hess
