#include "engine/blas_threads.h"

#include <stdexcept>

extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
}

namespace hess {

void set_blas_threads(int threads) {
  if (threads < 1) {
    throw std::invalid_argument("BLAS threads must be at least 1, got " + std::to_string(threads));
  }
  openblas_set_num_threads(threads);
}

int blas_threads() {
  return openblas_get_num_threads();
}

ThreadPlan plan_threads(int cores, int64_t batches) {
  if (cores < 1)
    throw std::invalid_argument("cores must be at least 1, got " + std::to_string(cores));
  if (batches < 1) {
    throw std::invalid_argument("batches must be at least 1, got " + std::to_string(batches));
  }
  ThreadPlan p;
  if (batches >= cores) {
    p.batch_threads = cores;
  } else {
    p.blas_threads = cores;
  }
  return p;
}

std::string blas_config() {
  const char* c = openblas_get_config();
  return c ? std::string(c) : std::string("unknown");
}

}  // namespace hess
