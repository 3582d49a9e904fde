#include "io/hdf5_handle.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

namespace hess::h5 {

namespace {
// HDF5 registers an atexit cleanup that closes whatever identifiers are left. After a failed write
// (a full disk) a file whose close failed stays in its table half torn down, and that cleanup then
// crashes (HDF5 1.10, H5F__close_cb). Every identifier of ours is closed by its Handle on every
// path, so the cleanup has nothing to do but crash: it is turned off before the library starts.
const bool kNoLibraryCleanupAtExit = H5dont_atexit() >= 0;
}  // namespace

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

bool Handle::reset() {
  if (id_ < 0) return true;
  herr_t status = 0;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      status = H5Fclose(id_);
      break;
    case H5I_GROUP:
      status = H5Gclose(id_);
      break;
    case H5I_DATASET:
      status = H5Dclose(id_);
      break;
    case H5I_DATASPACE:
      status = H5Sclose(id_);
      break;
    case H5I_DATATYPE:
      status = H5Tclose(id_);
      break;
    case H5I_ATTR:
      status = H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      status = H5Pclose(id_);
      break;
    default:
      status = H5Idec_ref(id_);
      break;
  }
  id_ = H5I_INVALID_HID;
  return status >= 0;
}

void silence_errors() {
  (void)kNoLibraryCleanupAtExit;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

namespace {
herr_t keep_deepest(unsigned /*n*/, const H5E_error2_t* err, void* out) {
  if (err->desc && err->desc[0]) *static_cast<std::string*>(out) = err->desc;
  return 0;
}

// The system's error text when HDF5's message carries "errno = N" (its file drivers' form), e.g.
// "no space left on device"; "" otherwise.
std::string system_error_in(const std::string& text) {
  const std::string key = "errno = ";
  const size_t at = text.find(key);
  if (at == std::string::npos) return "";
  const int code = std::atoi(text.c_str() + at + key.size());
  if (code <= 0) return "";
  std::string s = std::strerror(code);
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}
}  // namespace

std::string failure_message(const std::string& what) {
  std::string deepest;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keep_deepest, &deepest);
  H5Eclear2(H5E_DEFAULT);
  const std::string system = system_error_in(deepest);
  if (!system.empty()) return system;
  return deepest.empty() ? what : what + " (" + deepest + ")";
}

std::string take_error_detail() {
  std::string deepest;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, keep_deepest, &deepest);
  H5Eclear2(H5E_DEFAULT);
  return deepest.empty() ? std::string() : " (" + deepest + ")";
}

}  // namespace hess::h5
