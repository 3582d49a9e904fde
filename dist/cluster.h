#pragma once
// The processes of a run: one process when `hessian` is started directly, the ranks of an MPI job
// under `mpirun -np N hessian ...` (docs/distributed.md). No MPI header is needed to use it: the
// MPI implementation is dist/mpi_cluster.cpp (built with HESS_WITH_MPI), the single-process one
// dist/single_cluster.cpp.
//
// Every rank runs the same command with the same settings, seeds and probes. The work that divides
// goes through three calls that every rank makes at the same point of the program:
//   - reduction(): the objective's sums over its shard added over ranks in rank order
//     (engine/reduction.h), the same bits on every rank;
//   - gather(): fixed-size rows from every rank to rank 0 (finished grid points);
//   - agree(): a checkpoint (after opening the inputs).
// Each of them first learns whether some rank has failed; if one has, no rank goes on with it: the
// failing rank rethrows its error, the others throw an error naming it (a NumericalError when it
// was one met inside the same call, so analyzers that note NaN and go on stay in step; else
// RemoteFailure). finish() waits until every rank has finished and returns the first failing
// rank's exit code and message on every rank, so a rank that failed alone (a file missing on its
// machine) ends every rank with its one-line error. Only rank 0 writes files
// (io/atomic_output.h, discard_outputs) and prints.
//
//   int main(int argc, char** argv) {
//     hess::dist::start(argc, argv, exit_code_of);
//     int code = ...; std::string message = ...;       // the command, errors caught
//     const hess::dist::Outcome o = hess::dist::finish(code, message);
//     if (hess::dist::rank() == 0 && o.code != 0) print(o.message);
//     return o.code;
//   }

#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/reduction.h"

namespace hess::dist {

// The exit code a command's error stands for (the command line's policy, tools/cli_error.h).
using ExitCodeOf = int (*)(const std::exception_ptr& error);

// Joins the MPI job when the process was started by mpirun (else a single process). On ranks other
// than 0, standard output and error go to /dev/null and outputs are discarded. Call first in main.
void start(int& argc, char**& argv, ExitCodeOf exit_code_of);

int rank();
int size();
inline bool distributed() {
  return size() > 1;
}
// Ranks on this machine (to share its cores among them).
int local_size();

// The objective's reduction over ranks; null for a single process.
std::shared_ptr<Reduction> reduction();

// Thrown on ranks that did not fail when another one did; `code` is the failing rank's exit code.
class RemoteFailure : public std::runtime_error {
 public:
  RemoteFailure(const std::string& what, int code) : std::runtime_error(what), code(code) {}
  int code;
};

// A checkpoint every rank calls: returns when no rank failed, else throws (see above). `local` is
// this rank's failure, if any.
void agree(std::exception_ptr local = nullptr);

// Rank 0 gets every rank's `row` (all of the same length), in rank order, flat; the other ranks an
// empty vector. Fails as agree() does.
std::vector<double> gather(const std::vector<double>& row, std::exception_ptr local = nullptr);

// Rank 0's values on every rank (the length too). Fails as agree() does.
void broadcast(std::vector<double>& values, std::exception_ptr local = nullptr);
void broadcast(std::vector<int64_t>& values, std::exception_ptr local = nullptr);

struct Outcome {
  int code = 0;
  std::string message;  // what rank 0 prints, "" when code is 0
};
// Ends this process' part: waits until every rank has called finish (taking part meanwhile in the
// calls above of ranks still working, which then fail) and returns the first failing rank's code
// and message (prefixed "rank N: " when N > 0), or this rank's own when it is alone. Leaves the
// MPI job.
Outcome finish(int code, const std::string& message);

}  // namespace hess::dist
