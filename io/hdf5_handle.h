#pragma once
// Ownership of HDF5 identifiers, and HDF5's error stack turned into messages.
//
// Every identifier the HDF5 C API returns (file, group, dataset, dataspace, datatype, attribute,
// property list) is held by a Handle, which closes it with the call its kind needs, so no path
// through the io/ readers leaks one, exceptions included. HDF5's automatic printing of its error
// stack to stderr is turned off (`silence_errors`, called by every function that opens or creates a
// file): the library never prints, and a failing call is turned into one FileError whose message
// ends with the most specific line of HDF5's stack (`take_error_detail`).
//
//   hess::h5::silence_errors();
//   hess::h5::Handle space(H5Screate(H5S_SCALAR));
//   if (!space) throw hess::FileError(file, "cannot create a dataspace" +
//   hess::h5::take_error_detail());

#include <hdf5.h>

#include <string>

namespace hess::h5 {

class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }
  // Closes the identifier now; returns false when HDF5 reports an error (e.g. a failed flush on
  // closing a file).
  bool reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Turns HDF5's automatic error printing off for this process. Idempotent.
void silence_errors();

// "" when HDF5's error stack is empty, else " (<the deepest description on the stack>)"; clears
// the stack.
std::string take_error_detail();
// The message of a failed call doing `what`: the system's error when the file system failed
// ("no space left on device"), else `what` and the detail above. Clears the stack.
std::string failure_message(const std::string& what);

}  // namespace hess::h5
