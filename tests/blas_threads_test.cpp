// engine/blas_threads: OpenBLAS's thread count is set and read back; the thread plan uses one level
// of parallelism at a time.
#include <doctest/doctest.h>

#include <stdexcept>

#include "engine/blas_threads.h"

using namespace hess;

TEST_CASE("OpenBLAS thread count is set and read back") {
  const int before = blas_threads();
  CHECK(before >= 1);
  set_blas_threads(1);
  CHECK(blas_threads() == 1);
  set_blas_threads(before);
  CHECK(blas_threads() == before);
  CHECK_THROWS_AS(set_blas_threads(0), std::invalid_argument);
  CHECK(!blas_config().empty());
}

TEST_CASE("thread plan: batches in threads when there are enough, else OpenBLAS threads") {
  const ThreadPlan many = plan_threads(2, 8);
  CHECK(many.batch_threads == 2);
  CHECK(many.blas_threads == 1);
  const ThreadPlan equal = plan_threads(4, 4);
  CHECK(equal.batch_threads == 4);
  CHECK(equal.blas_threads == 1);
  const ThreadPlan few = plan_threads(4, 3);
  CHECK(few.batch_threads == 1);
  CHECK(few.blas_threads == 4);
  const ThreadPlan one = plan_threads(1, 1);
  CHECK(one.batch_threads == 1);
  CHECK(one.blas_threads == 1);
  CHECK_THROWS_AS(plan_threads(0, 4), std::invalid_argument);
  CHECK_THROWS_AS(plan_threads(2, 0), std::invalid_argument);
}
