#include "io/checkpoint_series.h"

#include <glob.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string_view>

#include "io/file_error.h"
#include "io/isolated_read.h"

namespace hess {

namespace {

constexpr const char* kStepPrefix = "step-";
constexpr const char* kPartialPrefix = ".partial-";
constexpr size_t kMaxStepDigits = 18;
// What `hessian train` keeps beside each checkpoint (its optimizer state): not a checkpoint.
constexpr std::string_view kStateSuffix = kOptimizerStateSuffix;

bool is_state_file(const std::string& path) {
  return path.size() > kStateSuffix.size() &&
         path.compare(path.size() - kStateSuffix.size(), kStateSuffix.size(), kStateSuffix) == 0;
}

// The value of the last run of digits in `name`, or -1.
int64_t last_number(const std::string& name) {
  const size_t end = name.find_last_of("0123456789");
  if (end == std::string::npos) return -1;
  size_t begin = end;
  while (begin > 0 && std::isdigit(static_cast<unsigned char>(name[begin - 1]))) --begin;
  if (end + 1 - begin > kMaxStepDigits) return -1;
  return std::stoll(name.substr(begin, end + 1 - begin));
}

bool is_step_group(const std::string& name) {
  const std::string p = kStepPrefix;
  return name.size() > p.size() && name.size() <= p.size() + kMaxStepDigits &&
         name.compare(0, p.size(), p) == 0 &&
         name.find_first_not_of("0123456789", p.size()) == std::string::npos;
}

// The checkpoints of one file: its step groups (a series file) or "/" (a model file), one per
// line. The file is opened in a child process (io/isolated_read.h).
std::string file_checkpoints(const std::string& path) {
  const h5::File f = h5::File::open_read(path);
  const std::string format = f.has_attr("format") ? f.string_attr("format") : std::string();
  if (format == kModelFormat) return "/\n";
  if (format != kCheckpointsFormat) {
    f.fail("is neither a model file nor a checkpoint series (format '" + format + "')");
  }
  const int64_t version = f.int_attr("version");
  if (version != kCheckpointsFormatVersion) {
    f.fail("unknown checkpoint series version " + std::to_string(version) + " (this engine reads " +
           std::to_string(kCheckpointsFormatVersion) + ")");
  }
  std::string groups;
  for (const std::string& child : f.children()) {
    if (is_step_group(child)) groups += "/" + child + "\n";
  }
  return groups;
}

void add_file(const std::string& path, std::vector<Checkpoint>& out) {
  const std::string groups = run_isolated(
      path, [&] { return file_checkpoints(path); }, isolation_time_limit(path));
  size_t pos = 0;
  while (pos < groups.size()) {
    const size_t end = groups.find('\n', pos);
    const std::string group = groups.substr(pos, end - pos);
    pos = end + 1;
    const std::string name =
        group == "/" ? std::filesystem::path(path).stem().string() : group.substr(1);
    out.push_back({path, group, last_number(name)});
  }
}

}  // namespace

std::string Checkpoint::label() const {
  return group == "/" ? file : file + ":" + group;
}

std::string checkpoint_name(int64_t step) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%08lld", kStepPrefix, static_cast<long long>(step));
  return buf;
}

std::vector<Checkpoint> list_checkpoints(const std::string& path_or_glob) {
  std::vector<Checkpoint> out;
  struct stat st;
  if (path_or_glob.find_first_of("*?[") != std::string::npos) {
    glob_t g;
    const int rc = glob(path_or_glob.c_str(), 0, nullptr, &g);
    std::vector<std::string> matches;
    if (rc == 0) matches.assign(g.gl_pathv, g.gl_pathv + g.gl_pathc);
    globfree(&g);
    if (matches.empty()) throw FileError(path_or_glob, "matches no file");
    for (const std::string& m : matches) {
      if (stat(m.c_str(), &st) == 0 && S_ISREG(st.st_mode) && !is_state_file(m)) add_file(m, out);
    }
  } else if (stat(path_or_glob.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(path_or_glob, ec)) {
      const std::string f = e.path().string();
      if (e.is_regular_file() && e.path().extension() == ".h5" && !is_state_file(f)) {
        files.push_back(f);
      }
    }
    if (ec) throw FileError(path_or_glob, "cannot list the folder: " + ec.message());
    std::sort(files.begin(), files.end());
    for (const std::string& f : files) add_file(f, out);
  } else {
    add_file(path_or_glob, out);
  }
  if (out.empty()) throw FileError(path_or_glob, "holds no checkpoints");
  std::stable_sort(out.begin(), out.end(), [](const Checkpoint& a, const Checkpoint& b) {
    return a.step != b.step ? a.step < b.step : a.label() < b.label();
  });
  return out;
}

ModelFile read_checkpoint(const Checkpoint& c) {
  return read_model_file(c.file, c.group);
}

void append_checkpoint(const std::string& path, int64_t step, const Model& model,
                       const Attrs& metadata) {
  if (step < 0)
    throw std::invalid_argument("checkpoint step must be non-negative, got " +
                                std::to_string(step));
  struct stat st;
  const bool exists = stat(path.c_str(), &st) == 0;
  h5::File f = exists ? h5::File::open_write(path) : h5::File::create(path);
  if (exists) {
    const std::string format = f.has_attr("format") ? f.string_attr("format") : std::string();
    if (format != kCheckpointsFormat)
      f.fail("is not a checkpoint series (format '" + format + "'); not adding to it");
  } else {
    f.set_attr("format", kCheckpointsFormat);
    f.set_attr("version", kCheckpointsFormatVersion);
  }
  const std::string name = checkpoint_name(step);
  const std::string temp = kPartialPrefix + name;
  if (f.has(temp)) f.remove(temp);
  {
    h5::Group g = f.create_group(temp);
    write_model_group(g, model, metadata);
  }
  if (f.has(name)) f.remove(name);
  f.rename(temp, name);
  f.close();
}

}  // namespace hess
