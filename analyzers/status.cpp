#include "analyzers/status.h"

namespace hess {

std::string_view status_name(Status s) {
  switch (s) {
    case Status::Ok:
      return "ok";
    case Status::NotConverged:
      return "not_converged";
    case Status::NonFinite:
      return "non_finite";
  }
  return "unknown";
}

}  // namespace hess
