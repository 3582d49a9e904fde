#pragma once
// What a model and a data set hold, as SHA-256 digests of their values rather than of their files:
// two files written at different times (HDF5 stamps objects with their modification time), from
// different paths or by different versions hold the same model or data set exactly when these
// digests agree. What makes a long run the same run (io/fingerprint.h) uses them, so that a
// landscape started on one import of a data set resumes on another import of the same values.
//
//   model_digest:  the graph (input shape, label kind, every node's name, op, inputs, attributes,
//                  block and constant; every block's name, shape, role and offset; the constants'
//                  values) and θ, bit for bit;
//   data_digest:   the sample shape, X, the labels, the targets and their width, bit for bit.
//
// Each field is fed with its length, so no two different contents share a byte stream. The bytes
// are this machine's (little-endian) representation.
//
//   if (hess::data_digest(read_data("a.h5")) == hess::data_digest(read_data("b.h5"))) ...

#include <string>

#include "engine/dataset.h"
#include "engine/graph.h"

namespace hess {

std::string model_digest(const Model& model);
std::string data_digest(const Dataset& data);

}  // namespace hess
