#include "runs/resources.h"

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "dist/cluster.h"
#include "engine/field_error.h"

namespace hess::runs {

namespace {

constexpr int64_t kKiB = 1024;
constexpr int64_t kUnlimited = std::numeric_limits<int64_t>::max();

// A "Key:   N kB" line of /proc/meminfo, in bytes; kUnlimited when absent.
int64_t meminfo(const std::string& key) {
  std::ifstream in("/proc/meminfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) != 0) continue;
    std::istringstream s(line.substr(key.size() + 1));
    int64_t kb = 0;
    if (s >> kb) return kb * kKiB;
  }
  return kUnlimited;
}

// Bytes mapped by this process (VmSize of /proc/self/status).
int64_t mapped_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmSize:", 0) != 0) continue;
    std::istringstream s(line.substr(7));
    int64_t kb = 0;
    if (s >> kb) return kb * kKiB;
  }
  return 0;
}

// A number in a cgroup v2 file; kUnlimited for "max" or when absent.
int64_t cgroup_value(const std::string& file) {
  std::ifstream in("/sys/fs/cgroup/" + file);
  std::string word;
  if (!(in >> word) || word == "max") return kUnlimited;
  try {
    return std::stoll(word);
  } catch (const std::exception&) {
    return kUnlimited;
  }
}

}  // namespace

int64_t available_memory() {
  // The machine's memory is shared by the ranks of a distributed run that run on it; the address
  // space limit is this process' own.
  const int ranks_here = dist::local_size();
  int64_t free = meminfo("MemAvailable") / ranks_here;
  const int64_t cg_max = cgroup_value("memory.max");
  if (cg_max != kUnlimited) {
    const int64_t used = cgroup_value("memory.current");
    free =
        std::min(free, std::max<int64_t>(0, cg_max - (used == kUnlimited ? 0 : used)) / ranks_here);
  }
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    const int64_t limit = static_cast<int64_t>(as.rlim_cur);
    free = std::min(free, std::max<int64_t>(0, limit - mapped_bytes()));
  }
  return free;
}

std::string bytes_text(int64_t bytes) {
  const double b = static_cast<double>(bytes);
  char s[32];
  if (b >= 1e9)
    std::snprintf(s, sizeof s, "%.1f GB", b / 1e9);
  else if (b >= 1e6)
    std::snprintf(s, sizeof s, "%.0f MB", b / 1e6);
  else
    std::snprintf(s, sizeof s, "%.0f kB", b / 1e3);
  return s;
}

void check_memory(int64_t need, const std::string& field, const std::string& what,
                  const std::string& advice) {
  const int64_t free = available_memory();
  if (need <= free) return;
  throw FieldError(field, what + " needs " + bytes_text(need) + "; " + bytes_text(free) +
                              " available" + (advice.empty() ? "" : ": " + advice));
}

int64_t available_disk(const std::string& path) {
  const size_t slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "."
                             : slash == 0               ? "/"
                                                        : path.substr(0, slash);
  struct statvfs st {};
  if (statvfs(folder.c_str(), &st) != 0) return kUnlimited;
  return static_cast<int64_t>(st.f_bavail) * static_cast<int64_t>(st.f_frsize);
}

void check_disk(int64_t need, const std::string& path, const std::string& field,
                const std::string& what, const std::string& advice) {
  const int64_t free = available_disk(path);
  if (need <= free) return;
  throw FieldError(field, what + " needs " + bytes_text(need) + " of disk beside " + path + "; " +
                              bytes_text(free) + " free" + (advice.empty() ? "" : ": " + advice));
}

}  // namespace hess::runs
