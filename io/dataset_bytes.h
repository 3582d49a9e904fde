#pragma once
// A data set and its provenance as one flat byte string: how the child process that read a data
// file hands it to its parent (io/isolated_read.h) without a second pass through HDF5. Native byte
// order; both ends are this program.
//
//   std::string bytes = hess::pack_data(file);                  // in the child
//   hess::DataFile again = hess::unpack_data(bytes, "d.h5");     // in the parent

#include <string>

#include "io/data_file.h"

namespace hess {

std::string pack_data(const DataFile& d);
// Throws FileError naming `label` when the bytes are not what pack_data makes.
DataFile unpack_data(const std::string& bytes, const std::string& label);

}  // namespace hess
