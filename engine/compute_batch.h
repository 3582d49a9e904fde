#pragma once
// How many samples an evaluation context runs at once: the compute batch.
//
// A sweep passes a batch's tensors through every op in turn; once they outgrow a core's cache,
// each op streams them from memory again. The loss, the gradient, the products and the GGN
// diagonal are sums over samples seeded with 1/N (engine/objective.h), so a batch may be cut into
// smaller compute batches without changing anything but rounding, as long as no op mixes the
// samples of a batch. The objective evaluates in compute batches of at most `--batch-size`:
//
//   m = ⌈max(kComputeBatchBytes, 2·F) / S⌉
//
// with S the bytes of one sample's buffers in a one-column product context and F those that do
// not grow with the batch (parameter slots), both from engine/memory_estimate.h; m is used only
// when the batch holds at least kMinComputeBatches of them, so parameter-heavy networks (whose
// weight derivatives cost the same per batch whatever its size) keep the batch. Docs:
// docs/algorithms.md, "Compute batches".
//
//   int64_t m = hess::compute_batch(graph, 256, sizeof(float));  // 9 for the benchmark CNN

#include <cstdint>

#include "engine/graph.h"

namespace hess {

// The per-sample bytes a compute batch aims at: a core's L2 cache on current x86 servers (1.25 to
// 2 MiB), fixed rather than detected so that results do not depend on the machine.
constexpr int64_t kComputeBatchBytes = int64_t{2} << 20;
// A batch is cut only into at least this many compute batches.
constexpr int64_t kMinComputeBatches = 4;

// Whether every node computed from the input keeps the samples apart: its axis 0 is the batch
// (checked at batches of 2 and 3; false when the shapes do not hold at both) and no softmax or
// normalization runs along it.
bool samples_stay_apart(const Graph& graph);

// The compute batch for batches of `batch_size` samples with scalars of `scalar_bytes`
// (batch_size itself when samples do not stay apart or the rule above keeps it).
int64_t compute_batch(const Graph& graph, int64_t batch_size, int64_t scalar_bytes);

}  // namespace hess
