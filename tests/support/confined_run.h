#pragma once
// Runs the built `hessian` under the limits the reliability tests need, without root where the
// kernel allows it: a small disk (a tmpfs mounted at WORKDIR/disk in a private mount namespace,
// made through a user namespace when not root), an address-space limit (ulimit -v) and a time
// limit after which the whole process group is killed.
//
//   hess::test::Confinement c;
//   c.disk_bytes = 64 * 1024;  c.disk_files = {{model, "m.h5"}};  c.fill_disk = true;
//   hess::test::ConfinedRun r = hess::test::run_confined({"trace", ..., "--out", "disk/r.h5"},
//                                                        dir.path(), c);
//   CHECK(r.disk.count("r.h5") == 0);

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "support/run_cli.h"

namespace hess::test {

struct Confinement {
  int64_t disk_bytes = 0;  // > 0: a tmpfs of this size at WORKDIR/disk
  // Files copied onto the disk before the run: (source path, name on the disk).
  std::vector<std::pair<std::string, std::string>> disk_files;
  bool fill_disk = false;     // then fill what is left with a filler file
  int64_t leave_free = 0;     // fill_disk: bytes then freed again (room to start, not to finish)
  int64_t address_space = 0;  // > 0: RLIMIT_AS in bytes (not in the sanitizer build)
  double seconds = 120;       // killed (with its process group) after this
};

struct ConfinedRun : CliRun {
  bool timed_out = false;
  int signal = 0;  // the signal that ended the program, 0 when it exited
  // The files on the disk after the run (name -> content), the filler excluded.
  std::map<std::string, std::string> disk;
};

ConfinedRun run_confined(const std::vector<std::string>& args, const std::string& workdir,
                         const Confinement& c);

}  // namespace hess::test
