#pragma once
// The seal of a group kept in a progress file (io/result_file.h, "Resumable progress"): a SHA-256
// over its attributes, its datasets (names, shapes, values) and its subgroups, stored as the
// group's attribute `progress_sha256` each time the progress file is flushed. Progress arrays
// (io/result_file.h) stage their values in memory and write them at the flush, just before the
// seal, so a run killed between flushes leaves a file that still matches its seal. A rerun reuses
// the group only when the seal matches what it reads back; a progress file that fails this (or
// cannot be read at all) is damaged: it is moved aside to NAME.progress.partial.damaged and the run
// starts afresh (docs/formats.md, "Progress files").
//
//   hess::seal_progress(group);                          // before flushing the progress file
//   std::string why = hess::progress_damage(group);      // "" when intact

#include <string>

#include "io/hdf5_file.h"

namespace hess {

constexpr const char* kProgressSealAttr = "progress_sha256";

// Computes and stores the seal of `group`. Each dataset's hash, but a progress array's, is computed
// once and kept as its attribute `sha256`, so sealing again rereads only the progress arrays.
void seal_progress(h5::Group& group);
// Why `group` cannot be reused ("no seal", "its content does not match its seal"), or "".
std::string progress_damage(const h5::Group& group);

}  // namespace hess
