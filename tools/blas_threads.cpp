#include "tools/blas_threads.h"

extern "C" void openblas_set_num_threads(int num_threads);

namespace hess::cli {

void single_threaded_blas() {
  openblas_set_num_threads(1);
}

}  // namespace hess::cli
