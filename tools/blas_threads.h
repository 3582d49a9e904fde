#pragma once
// One level of parallelism at a time (DESIGN.md §7): when the passes run batches in their own
// threads, OpenBLAS must not start threads of its own beside them (spin-waiting threads on 2 cores
// made a training run 4-10x slower). Commands call this once before their passes.

namespace hess::cli {

// Makes OpenBLAS single-threaded for this process.
void single_threaded_blas();

}  // namespace hess::cli
