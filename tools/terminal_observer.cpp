#include "tools/terminal_observer.h"

#include <algorithm>
#include <cstdio>

#include "engine/field_error.h"

namespace hess::cli {

void TerminalObserver::progress(int64_t done, int64_t total, const std::string& unit) {
  if (!bar_ || bar_total_ != total) {
    if (bar_) bar_->finish();
    bar_ = std::make_unique<Progress>(total, quiet_);
    bar_total_ = total;
  }
  bar_->update(done, unit);
}

void TerminalObserver::finished() {
  if (bar_) bar_->finish();
  bar_.reset();
  bar_total_ = -1;
}

void TerminalObserver::warn(const std::string& message) {
  finished();
  // {field} as its flag, named as Flags names a field by default (weight_decay: --weight-decay)
  std::string line = name_fields(message, [](const std::string& field) {
    std::string flag = "--" + field;
    std::replace(flag.begin(), flag.end(), '_', '-');
    return flag;
  });
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "hessian: warning: %s\n", line.c_str());
}

const std::atomic<bool>* TerminalObserver::cancel() const {
  if (!stop_) stop_ = std::make_unique<StopSignal>();
  return &stop_->flag();
}

}  // namespace hess::cli
