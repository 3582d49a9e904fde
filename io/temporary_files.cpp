#include "io/temporary_files.h"

#include <unistd.h>

#include <atomic>
#include <cstring>

namespace hess {

namespace {

constexpr int kSlots = 256;
constexpr size_t kSlotPathBytes = 4096;

enum SlotState : int { kFree = 0, kBusy = 1, kHeld = 2 };

struct Slot {
  std::atomic<int> state{kFree};
  char path[kSlotPathBytes];
};

Slot slots[kSlots];
static_assert(std::atomic<int>::is_always_lock_free);

}  // namespace

void track_temporary(const std::string& path) {
  if (path.empty() || path.size() >= kSlotPathBytes) return;
  for (Slot& s : slots) {
    int expected = kFree;
    if (!s.state.compare_exchange_strong(expected, kBusy)) continue;
    std::memcpy(s.path, path.c_str(), path.size() + 1);
    s.state.store(kHeld);
    return;
  }
}

void untrack_temporary(const std::string& path) {
  for (Slot& s : slots) {
    if (s.state.load() != kHeld || path != s.path) continue;
    int expected = kHeld;
    if (s.state.compare_exchange_strong(expected, kBusy)) {
      s.path[0] = '\0';
      s.state.store(kFree);
      return;
    }
  }
}

void remove_tracked_temporaries() noexcept {
  for (Slot& s : slots) {
    if (s.state.load() == kHeld) ::unlink(s.path);
  }
}

}  // namespace hess
