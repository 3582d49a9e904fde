#include "tools/result_metadata.h"

#include "io/sha256.h"

namespace hess::cli {

ResultMetadata result_metadata(const Session& s, const CommonOptions& o, double seconds) {
  ResultMetadata m;
  m.command_line = o.command_line;
  m.model_sha256 = s.model_path.empty() ? std::string() : sha256_file(s.model_path);
  m.data_sha256 = s.data_path.empty() ? std::string() : sha256_file(s.data_path);
  m.seed = o.seed;
  m.precision = std::string(name_of(s.precision));
  m.threads = s.objective_options.threads;
  m.samples = s.objective ? s.objective->num_samples() : 0;
  m.hvps = s.objective ? s.objective->counters().curvature : 0;
  m.seconds = seconds;
  return m;
}

}  // namespace hess::cli
