#include "support/grid_progress.h"

#include <signal.h>

#include <chrono>
#include <thread>

#include "support/scratch_dir.h"

namespace hess::test {

namespace {

// How long to wait for the progress file at the most, in polls of kPoll.
constexpr int kPolls = 2000;
constexpr std::chrono::milliseconds kPoll{5};
// How long the run goes on after its progress file appeared: some points done, not all.
constexpr std::chrono::milliseconds kWorkWhile{400};

}  // namespace

CliRun stop_when_progressing(pid_t pid, const std::string& progress, const std::string& workdir) {
  for (int k = 0; k < kPolls && !file_exists(progress); ++k) std::this_thread::sleep_for(kPoll);
  std::this_thread::sleep_for(kWorkWhile);
  kill(pid, SIGTERM);
  return finish_hessian(pid, workdir);
}

}  // namespace hess::test
