// The ranks of an MPI job (Open MPI under mpirun), or one process when not started by mpirun.
#include "dist/cluster.h"

// The C interface only (Open MPI would add its deprecated C++ bindings).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <fcntl.h>
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <filesystem>

#include "engine/numerical_error.h"
#include "io/atomic_output.h"

namespace hess::dist {

namespace {

// Values per MPI call of a reduction (the count is an int).
constexpr size_t kChunk = size_t{1} << 26;

// What a failure was, so ranks that did not meet it throw alike.
enum class Kind : int { Other = 0, Numerical = 1 };

struct State {
  bool mpi = false;  // MPI_Init was called
  int rank = 0, size = 1, local_size = 1;
  ExitCodeOf exit_code_of = nullptr;
  std::string scratch;  // the folder of discarded outputs (ranks > 0)
  std::shared_ptr<Reduction> reduction;
};
// Never destroyed: finish() may run during static destruction (a test's global fixture).
State& state() {
  static State* s = new State();
  return *s;
}

bool started_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || std::getenv("PMI_RANK");
}

// Sums in rank order: `inout` holds the lower ranks' sum... MPI's contract for a non-commutative
// operation is inout = in (lower ranks) op inout (higher ranks), in ascending rank order.
void add_in_rank_order(void* in, void* inout, int* len, MPI_Datatype*) {
  const double* a = static_cast<const double*>(in);
  double* b = static_cast<double*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = a[i] + b[i];
}

struct Failure {
  int code = 1;
  Kind kind = Kind::Other;
  std::string message;
};

Failure describe(const std::exception_ptr& e) {
  Failure f;
  f.code = state().exit_code_of ? state().exit_code_of(e) : 1;
  try {
    std::rethrow_exception(e);
  } catch (const NumericalError& x) {
    f.kind = Kind::Numerical;
    f.message = x.what();
  } catch (const std::exception& x) {
    f.message = x.what();
  } catch (...) {
    f.message = "unknown error";
  }
  return f;
}

// What one exchange learns.
struct Exchange {
  int first = 0;              // the lowest failing rank; size when none failed
  bool all_finished = false;  // every rank is in finish()
  bool any_finished = false;
  Failure failure;  // the first failing rank's, when one failed
};

// Every collective starts with this: which ranks failed and which have finished, then the first
// failing rank's code, kind and message broadcast from it.
Exchange exchange(bool failed, bool finished, const Failure& mine) {
  int in[3] = {failed ? state().rank : state().size, finished ? 1 : 0, finished ? -1 : 0};
  int out[3];
  MPI_Allreduce(in, out, 3, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  Exchange e;
  e.first = out[0];
  e.all_finished = out[1] == 1;
  e.any_finished = out[2] == -1;
  if (e.first < state().size) {
    int head[3] = {mine.code, static_cast<int>(mine.kind), static_cast<int>(mine.message.size())};
    MPI_Bcast(head, 3, MPI_INT, e.first, MPI_COMM_WORLD);
    std::string text = state().rank == e.first ? mine.message : std::string(head[2], '\0');
    MPI_Bcast(text.data(), head[2], MPI_CHAR, e.first, MPI_COMM_WORLD);
    e.failure = {head[0], static_cast<Kind>(head[1]), std::move(text)};
  }
  return e;
}

// The check of a working rank before a collective's payload.
void check(const std::exception_ptr& local) {
  const Failure mine = local ? describe(local) : Failure{};
  const Exchange e = exchange(local != nullptr, false, mine);
  if (e.first < state().size) {
    if (e.first == state().rank) std::rethrow_exception(local);
    const std::string text = "rank " + std::to_string(e.first) + ": " + e.failure.message;
    if (e.failure.kind == Kind::Numerical && !e.any_finished) throw NumericalError(text);
    throw RemoteFailure(text, e.failure.code);
  }
  if (e.any_finished) throw RemoteFailure("ranks out of step: one finished before the others", 1);
}

class RankReduction final : public Reduction {
 public:
  int rank() const override { return state().rank; }
  int size() const override { return state().size; }
  void sum(double* values, size_t n, std::exception_ptr local_error) override {
    check(local_error);
    for (size_t at = 0; at < n; at += kChunk) {
      const int count = static_cast<int>(std::min(kChunk, n - at));
      double* v = values + at;
      MPI_Reduce(state().rank == 0 ? MPI_IN_PLACE : v, v, count, MPI_DOUBLE, op_, 0,
                 MPI_COMM_WORLD);
      MPI_Bcast(v, count, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    }
  }
  RankReduction() { MPI_Op_create(&add_in_rank_order, /*commute=*/0, &op_); }
  ~RankReduction() override {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Op_free(&op_);
  }

 private:
  MPI_Op op_;
};

void silence(int fd) {
  const int null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null >= 0) {
    ::dup2(null, fd);
    ::close(null);
  }
}

}  // namespace

void start(int& argc, char**& argv, ExitCodeOf exit_code_of) {
  state().exit_code_of = exit_code_of;
  if (!started_by_mpirun()) return;
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  state().mpi = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &state().rank);
  MPI_Comm_size(MPI_COMM_WORLD, &state().size);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, state().rank, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &state().local_size);
  MPI_Comm_free(&local);
  if (state().size > 1) state().reduction = std::make_shared<RankReduction>();
  if (state().rank != 0) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/hessian-rank" +
                          std::to_string(state().rank) + "-XXXXXX";
    if (::mkdtemp(pattern.data())) {
      state().scratch = pattern;
      discard_outputs(state().scratch);
    } else {
      discard_outputs("/dev/null/unwritable");  // every output then fails, none is written
    }
    // HESS_RANK_OUTPUT=1 keeps every rank's output (debugging; tests under mpirun).
    const char* keep = std::getenv("HESS_RANK_OUTPUT");
    if (!keep || std::string(keep) != "1") {
      silence(STDOUT_FILENO);
      silence(STDERR_FILENO);
    }
  }
}

int rank() {
  return state().rank;
}
int size() {
  return state().size;
}
int local_size() {
  return state().local_size;
}
std::shared_ptr<Reduction> reduction() {
  return state().reduction;
}

void agree(std::exception_ptr local) {
  if (state().size == 1) {
    if (local) std::rethrow_exception(local);
    return;
  }
  check(local);
}

std::vector<double> gather(const std::vector<double>& row, std::exception_ptr local) {
  agree(local);
  if (state().size == 1) return row;
  std::vector<double> all(state().rank == 0 ? row.size() * state().size : 0);
  MPI_Gather(row.data(), static_cast<int>(row.size()), MPI_DOUBLE, all.data(),
             static_cast<int>(row.size()), MPI_DOUBLE, 0, MPI_COMM_WORLD);
  return all;
}

namespace {
template <class T>
void broadcast_values(std::vector<T>& values, const std::exception_ptr& local, MPI_Datatype type) {
  agree(local);
  if (state().size == 1) return;
  int64_t n = static_cast<int64_t>(values.size());
  MPI_Bcast(&n, 1, MPI_INT64_T, 0, MPI_COMM_WORLD);
  values.resize(n);
  MPI_Bcast(values.data(), static_cast<int>(n), type, 0, MPI_COMM_WORLD);
}
}  // namespace

void broadcast(std::vector<double>& values, std::exception_ptr local) {
  broadcast_values(values, local, MPI_DOUBLE);
}
void broadcast(std::vector<int64_t>& values, std::exception_ptr local) {
  broadcast_values(values, local, MPI_INT64_T);
}

Outcome finish(int code, const std::string& message) {
  Outcome o{code, code ? message : ""};
  if (!state().mpi) return o;
  if (state().size > 1) {
    const Failure mine{code, Kind::Other, message};
    for (;;) {
      const Exchange e = exchange(code != 0, true, mine);
      if (!e.all_finished) continue;  // a working rank's collective: it fails and comes here
      if (e.first == state().size) {
        o = {};
      } else {
        o.code = e.failure.code;
        o.message = e.first == 0 ? e.failure.message
                                 : "rank " + std::to_string(e.first) + ": " + e.failure.message;
      }
      break;
    }
  }
  state().reduction.reset();
  MPI_Finalize();
  if (!state().scratch.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(state().scratch, ignored);
  }
  return o;
}

}  // namespace hess::dist
