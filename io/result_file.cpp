#include "io/result_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "engine/field_error.h"
#include "io/atomic_output.h"
#include "io/file_error.h"
#include "io/isolated_read.h"
#include "io/progress_seal.h"

namespace hess {

namespace {

bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

void write_root_attrs(h5::File& f) {
  f.set_attr("format", kResultFormat);
  f.set_attr("version", kResultFormatVersion);
  f.set_attr("engine_version", HESS_VERSION);
}

void write_metadata(h5::Group& g, const ResultMetadata& m) {
  g.set_attr("engine_version", HESS_VERSION);
  g.set_attr("command_line", m.command_line);
  g.set_attr("model_sha256", m.model_sha256);
  g.set_attr("data_sha256", m.data_sha256);
  g.set_u64_attr("seed", m.seed);
  g.set_u64_attr("data_seed", m.data_seed);
  g.set_attr("precision", m.precision);
  g.set_attr("threads", m.threads);
  g.set_attr("ranks", m.ranks);
  g.set_attr("samples", m.samples);
  g.set_attr("hvps", m.hvps);
  g.set_attr("seconds", m.seconds);
  g.set_attr("batches", m.batches);
  g.set_attr("compute_batch", m.compute_batch);
  g.set_attr("kept_batches", m.kept_batches);
  g.set_attr("kept_bytes", m.kept_bytes);
  g.set_attr("reused_passes", m.reused_passes);
  g.set_attr("batchnorm", m.batchnorm);
}

bool same_marker(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

// The message of a FileError without its leading "FILE: ".
std::string reason(const FileError& e) {
  const std::string what = e.what();
  return what.substr(std::min(what.size(), e.file().size() + 2));
}

}  // namespace

std::string progress_path_of(const std::string& path) {
  return path + ".progress.partial";
}

void check_result_format(const h5::Group& root) {
  const std::string format = root.has_attr("format") ? root.string_attr("format") : std::string();
  if (format != kResultFormat) {
    root.fail(format.empty() ? "not a result file (no 'format' attribute)"
                             : "is a '" + format + "' file, not a result file");
  }
  const int64_t version = root.int_attr("version");
  if (version != kResultFormatVersion) {
    root.fail("unknown result format version " + std::to_string(version) + " (this engine reads " +
              std::to_string(kResultFormatVersion) + ")");
  }
}

std::vector<int64_t> ProgressArray::missing() const {
  const std::vector<double> v = values();
  std::vector<int64_t> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (same_marker(v[i], marker_)) out.push_back(static_cast<int64_t>(i));
  }
  return out;
}

std::vector<double> ProgressArray::values() const {
  std::vector<double> v = dataset_.read_range(0, size());
  for (const auto& [i, x] : group_->staged(name())) v[i] = x;
  return v;
}

std::string ProgressArray::name() const {
  const std::string& p = dataset_.path();
  return p.substr(p.rfind('/') + 1);
}

void ProgressArray::set(int64_t index, double value) {
  if (index < 0 || index >= size()) throw std::out_of_range("progress array index");
  group_->staged(name()).emplace_back(index, value);
}

void ProgressArray::set_range(int64_t first, const std::vector<double>& values) {
  for (size_t i = 0; i < values.size(); ++i) set(first + static_cast<int64_t>(i), values[i]);
}

void ResultGroup::replace(const std::string& name) {
  if (group_.has(name)) group_.remove(name);
}

void ResultGroup::write(const std::string& name, const std::vector<double>& values) {
  write(name, values.data(), {static_cast<int64_t>(values.size())});
}

void ResultGroup::write(const std::string& name, const double* data, const Shape& shape) {
  replace(name);
  group_.create_dataset<double>(name, shape, data);
}

void ResultGroup::write(const std::string& name, const std::vector<int64_t>& values) {
  replace(name);
  group_.create_dataset<int64_t>(name, {static_cast<int64_t>(values.size())}, values.data());
}

void ResultGroup::write(const std::string& name, const std::vector<std::string>& values) {
  replace(name);
  group_.create_strings(name, values);
}

std::optional<h5::Value> ResultGroup::attr_value(const std::string& name) const {
  if (!group_.has_attr(name)) return std::nullopt;
  return group_.attr(name);
}

ProgressArray ResultGroup::progress(const std::string& name, const Shape& shape, double marker) {
  if (group_.has_dataset(name)) {
    h5::Dataset d = group_.dataset(name);
    const bool fits = d.shape() == shape && d.dtype().cls == h5::DType::Float &&
                      d.has_attr("missing_value") &&
                      same_marker(d.real_attr("missing_value"), marker);
    if (fits) return ProgressArray(std::move(d), this, shape, marker, true);
  }
  replace(name);
  staged_.erase(name);
  h5::Dataset d = group_.create_filled(name, shape, marker);
  d.set_attr("missing_value", marker);
  return ProgressArray(std::move(d), this, shape, marker, false);
}

void ResultGroup::flush() {
  for (auto& [name, points] : staged_) {
    if (points.empty()) continue;
    h5::Dataset d = group_.dataset(name);
    for (const auto& [i, x] : points) d.write_range(i, &x, 1);
    points.clear();
  }
  if (resumable_) seal_progress(group_);
  file_->flush();
}

void ProgressArray::flush() {
  group_->flush();
}

void ResultGroup::clear() {
  staged_.clear();
  for (const std::string& child : group_.children()) group_.remove(child);
  for (const std::string& a : group_.attr_names()) group_.remove_attr(a);
}

namespace {

// A copy of a result file's groups holds no more bytes than the file (we write no compressed
// datasets) plus HDF5's own structures; a larger copy means a damaged size field made HDF5 copy
// what is not there (one bit flipped in a 10,928-byte file gave a 377 MB copy).
constexpr double kCopyGrowthAllowed = 2.0;
constexpr double kCopyOverheadBytes = 1 << 20;

uintmax_t file_bytes(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<uintmax_t>(st.st_size) : 0;
}

}  // namespace

std::string isolated_result_image(const std::string& path) {
  return run_isolated(
      path,
      [&] {
        const h5::File old = h5::File::open_read(path);
        check_result_format(old);
        h5::File copy = h5::File::create_image(path);
        copy.set_attr("format", kResultFormat);
        copy.set_attr("version", kResultFormatVersion);
        const double bound =
            kCopyGrowthAllowed * static_cast<double>(file_bytes(path)) + kCopyOverheadBytes;
        for (const std::string& child : old.children()) {
          old.copy_child(child, copy);
          if (static_cast<double>(copy.image_bytes()) > bound) {
            throw FileError(path, "its group '" + child +
                                      "' copies to more bytes than the file holds: the file is "
                                      "damaged");
          }
        }
        return copy.image();
      },
      isolation_time_limit(path));
}

namespace {

// An existing result file's groups, read in a child process into a well-formed in-memory image;
// nullptr when there is no file.
std::unique_ptr<h5::File> read_existing(const std::string& path, const std::string& target) {
  if (!exists(target)) return nullptr;
  try {
    const std::string image = isolated_result_image(target);
    return std::make_unique<h5::File>(h5::File::open_image(image, target));
  } catch (const FileError& e) {
    throw FileError(path, "exists and is not a result file this engine can add to (" + reason(e) +
                              "); it is left as it is");
  }
}

}  // namespace

namespace {
// An empty name is the caller's mistake (the flag it came from), refused before anything opens.
std::string named(std::string path) {
  if (path.empty()) throw FieldError("out", "is empty: give the result file to write");
  return path;
}
}  // namespace

ResultFile::ResultFile(std::string path, const FileLock* held)
    : path_(named(std::move(path))),
      output_(path_, OutputKind::hdf5_file(kResultFormat), held),
      existing_(discarded_outputs_folder().empty() ? read_existing(path_, output_.target())
                                                   : nullptr) {
  partial_ = std::make_unique<h5::File>(h5::File::create(output_.partial_path()));
  write_root_attrs(*partial_);
}

ResultFile::~ResultFile() {
  if (committed_) return;
  if (partial_) {
    try {
      partial_->close();
    } catch (const FileError&) {
      // The partial file is removed by output_ either way.
    }
    partial_.reset();
  }
  if (progress_) {
    try {
      for (auto& [name, g] : groups_) {
        if (resumable_[name]) g->flush();
      }
      progress_->close();
    } catch (const FileError&) {
      // What was flushed before stays readable; nothing more can be saved here.
    }
  }
}

void ResultFile::check_name(const std::string& name) const {
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') {
    throw std::invalid_argument("result group name '" + name +
                                "' must be a plain name (no '/', not starting with '.')");
  }
  if (groups_.count(name))
    throw std::invalid_argument("result group '" + name + "' is written twice in one run");
}

ResultGroup& ResultFile::group(const std::string& name) {
  check_name(name);
  auto g = std::make_unique<ResultGroup>(partial_->create_group(name), partial_.get(), false);
  resumable_[name] = false;
  return *(groups_[name] = std::move(g));
}

std::string ResultFile::check_progress(const std::string& path) {
  const std::string p = progress_path_of(path);
  if (!exists(p)) return "";
  std::string why;
  try {
    why = run_isolated(
        p,
        [&] {
          const h5::File f = h5::File::open_read(p);
          check_result_format(f);
          for (const std::string& c : f.children()) {
            if (!f.has_group(c)) return "/" + c + " is not a group";
            const std::string damage = progress_damage(f.group(c));
            if (!damage.empty()) return "/" + c + ": " + damage;
          }
          return std::string();
        },
        isolation_time_limit(p));
  } catch (const FileError& e) {
    why = reason(e);
  }
  if (why.empty()) return "";
  const std::string aside = p + kDamagedSuffix;
  if (std::rename(p.c_str(), aside.c_str()) != 0)
    throw FileError(p,
                    "is damaged (" + why + ") and cannot be moved aside: " + std::strerror(errno));
  return p + ": damaged (" + why + "); moved to " + aside + ", starting afresh";
}

h5::File& ResultFile::progress_file() {
  if (progress_) return *progress_;
  // A process whose outputs are discarded keeps no progress (it never resumes).
  const std::string& discard = discarded_outputs_folder();
  const std::string p = discard.empty() ? progress_path_of(path_) : discard + "/progress.partial";
  if (discard.empty()) {
    progress_note_ = check_progress(path_);
    if (exists(p)) {
      progress_ = std::make_unique<h5::File>(h5::File::open_write(p));
      return *progress_;
    }
  }
  progress_ = std::make_unique<h5::File>(h5::File::create(p));
  write_root_attrs(*progress_);
  return *progress_;
}

ResultGroup& ResultFile::resumable_group(const std::string& name) {
  check_name(name);
  h5::File& f = progress_file();
  const bool resumed = f.has_group(name);
  h5::Group g = resumed ? f.group(name) : f.create_group(name);
  resumable_[name] = true;
  return *(groups_[name] = std::make_unique<ResultGroup>(std::move(g), &f, resumed, true));
}

void ResultFile::commit(const ResultMetadata& meta) {
  if (committed_) throw std::logic_error("ResultFile::commit called twice");
  for (auto& [name, g] : groups_) {
    write_metadata(g->h5(), meta);
    if (resumable_[name]) progress_->copy_child(name, *partial_);
  }
  if (existing_) {
    for (const std::string& child : existing_->children()) {
      if (!groups_.count(child)) existing_->copy_child(child, *partial_);
    }
  }
  groups_.clear();
  partial_->close();
  partial_.reset();
  output_.commit();
  committed_ = true;
  if (progress_) {
    for (const auto& [name, resumable] : resumable_) {
      if (resumable && progress_->has(name)) progress_->remove(name);
    }
    const bool empty = progress_->children().empty();
    progress_->close();
    progress_.reset();
    if (empty) std::remove(progress_path_of(path_).c_str());
  }
}

}  // namespace hess
