#pragma once
// Progress of a landscape grid as its surface file shows it: points not yet evaluated hold -1
// (loss-landscape's fill value); and a run stopped while it makes progress.

#include <sys/types.h>

#include <string>
#include <vector>

#include "support/run_cli.h"

namespace hess::test {

// The number of entries of a loss array that hold an evaluated point.
inline int count_computed(const std::vector<double>& losses) {
  int n = 0;
  for (double e : losses) n += e != -1.0;
  return n;
}

// Waits until the started run `pid` has written `progress` (its OUT.progress.partial), lets it
// work a while longer, sends SIGTERM and collects it.
CliRun stop_when_progressing(pid_t pid, const std::string& progress, const std::string& workdir);

}  // namespace hess::test
