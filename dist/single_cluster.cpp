// One process: no MPI (a build without HESS_WITH_MPI).
#include "dist/cluster.h"

namespace hess::dist {

void start(int&, char**&, ExitCodeOf) {}
int rank() {
  return 0;
}
int size() {
  return 1;
}
int local_size() {
  return 1;
}
std::shared_ptr<Reduction> reduction() {
  return nullptr;
}

void agree(std::exception_ptr local) {
  if (local) std::rethrow_exception(local);
}

std::vector<double> gather(const std::vector<double>& row, std::exception_ptr local) {
  agree(local);
  return row;
}

void broadcast(std::vector<double>&, std::exception_ptr local) {
  agree(local);
}
void broadcast(std::vector<int64_t>&, std::exception_ptr local) {
  agree(local);
}

Outcome finish(int code, const std::string& message) {
  return {code, code ? message : ""};
}

}  // namespace hess::dist
