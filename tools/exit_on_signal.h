#pragma once
// SIGINT, SIGTERM and SIGHUP end a command cleanly: the temporaries and lock files it made
// (io/temporary_files.h) are removed, one line says that nothing was written, and the process exits
// with the runtime-failure code. Installed once by main(); commands that stop cooperatively and
// keep their progress (landscape grids, training) install a StopSignal over it for their run.

namespace hess::cli {

void exit_on_signal();

}  // namespace hess::cli
