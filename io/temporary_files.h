#pragma once
// The files this process made and must not leave behind if a signal ends it: the temporaries of
// AtomicOutput (NAME.partial.PID-N) and the lock files of FileLock (NAME.lock). Their owners
// register them while they exist; a handler of SIGINT/SIGTERM (tools/exit_on_signal.h) removes
// whatever is registered before the process ends. Targets are never registered: an interrupted
// run leaves every existing file as it was.
//
//   hess::track_temporary(partial);     // after creating it
//   ...
//   hess::untrack_temporary(partial);   // after renaming or removing it
//
// The registry is a fixed table of path slots, so removing can run inside a signal handler
// (async-signal-safe: atomics and unlink only). It is the one piece of process-wide state of io/,
// because a signal handler can reach nothing else.

#include <string>

namespace hess {

// Registers `path`; a path longer than the table's slots is not tracked (it is still removed by
// its owner on every path but a signal).
void track_temporary(const std::string& path);
// Forgets `path` (its owner renamed or removed it).
void untrack_temporary(const std::string& path);
// Unlinks every registered path. Async-signal-safe.
void remove_tracked_temporaries() noexcept;

}  // namespace hess
