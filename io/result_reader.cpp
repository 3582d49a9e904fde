#include "io/result_reader.h"

#include "io/isolated_read.h"

namespace hess {

std::vector<std::string> ResultGroupView::datasets() const {
  std::vector<std::string> out;
  for (const std::string& c : group_.children()) {
    if (group_.has_dataset(c)) out.push_back(c);
  }
  return out;
}

ResultArray ResultGroupView::array(const std::string& name) const {
  const h5::Dataset d = group_.dataset(name);
  const h5::DType t = d.dtype();
  if (t.cls != h5::DType::Float && t.cls != h5::DType::Int && t.cls != h5::DType::UInt) {
    d.fail("'" + d.path() + "' has dtype " + t.name() + ", expected numbers");
  }
  return {d.shape(), d.read<double>()};
}

std::vector<int64_t> ResultGroupView::ints(const std::string& name) const {
  const h5::Dataset d = group_.dataset(name);
  const h5::DType t = d.dtype();
  if (t.cls != h5::DType::Int && t.cls != h5::DType::UInt) {
    d.fail("'" + d.path() + "' has dtype " + t.name() + ", expected integers");
  }
  return d.read<int64_t>();
}

std::vector<std::string> ResultGroupView::strings(const std::string& name) const {
  return group_.dataset(name).read_strings();
}

ResultMetadata ResultGroupView::metadata() const {
  ResultMetadata m;
  m.engine_version = group_.string_attr("engine_version");
  m.command_line = group_.string_attr("command_line");
  m.model_sha256 = group_.string_attr("model_sha256");
  m.data_sha256 = group_.string_attr("data_sha256");
  m.seed = group_.u64_attr("seed");
  // Files before data_seed drew their subset from seed.
  m.data_seed = group_.has_attr("data_seed") ? group_.u64_attr("data_seed") : m.seed;
  m.precision = group_.string_attr("precision");
  m.threads = group_.int_attr("threads");
  m.ranks = group_.has_attr("ranks") ? group_.int_attr("ranks") : 1;  // files before ranks: 1
  m.samples = group_.int_attr("samples");
  m.hvps = group_.int_attr("hvps");
  m.seconds = group_.real_attr("seconds");
  // Files before reuse at a fixed θ: nothing kept.
  auto count = [&](const char* name) { return group_.has_attr(name) ? group_.int_attr(name) : 0; };
  m.batches = count("batches");
  m.compute_batch = count("compute_batch");
  m.kept_batches = count("kept_batches");
  m.kept_bytes = count("kept_bytes");
  m.reused_passes = count("reused_passes");
  m.batchnorm = group_.string_attr("batchnorm");
  return m;
}

ResultReader::ResultReader(const std::string& path)
    : file_(std::make_unique<h5::File>(h5::File::open_read(path))) {
  check_result_format(*file_);
}

ResultReader ResultReader::isolated(const std::string& path) {
  return ResultReader(h5::File::open_image(isolated_result_image(path), path));
}

ResultReader::ResultReader(h5::File file) : file_(std::make_unique<h5::File>(std::move(file))) {
  check_result_format(*file_);
}

}  // namespace hess
