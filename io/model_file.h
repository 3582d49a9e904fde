#pragma once
// Model files: a model's graph and parameters in HDF5, readable without this engine (h5py, h5dump).
// The schema is docs/formats.md, section "Model file". In short:
//
//   /                       format = "hessian-model", version = 1, engine_version
//   /graph                  input_shape, label_kind, target_dim, input, label, output, loss,
//   loss_op /graph/nodes/00000 ...  one group per node in topological order: name, op, inputs;
//   param nodes
//                           block + shape, constant nodes constant + shape; op attributes in the
//                           node's subgroup `attrs` (int64, float64, int64 list, string)
//   /parameters             order = block names in θ order; one float64 dataset per block, named by
//                           the block (state_dict key), natural shape, attribute role
//   /constants              order; one float64 dataset per constant (e.g. bn1.running_mean)
//   /metadata               free-form attributes given to write_model (step, source, ...)
//
// Reading checks everything and fails with one FileError naming the file and the fault:
//
//   hess::write_model("m.h5", model, metadata);      // atomic: m.h5.partial, then renamed
//   hess::Model m = hess::read_model("m.h5");
//   // FileError "m.h5: parameter 'fc1.weight' has shape [10, 5], the graph expects [10, 4]"
//   // FileError "m.h5: unknown model format version 2 (this engine reads 1)"

#include <cstdint>
#include <string>

#include "engine/attrs.h"
#include "engine/graph.h"
#include "io/hdf5_file.h"

namespace hess {

constexpr int64_t kModelFormatVersion = 1;
inline constexpr const char* kModelFormat = "hessian-model";

// A model with the free-form metadata stored beside it.
struct ModelFile {
  Model model;
  Attrs metadata;
};

// Writes `model` to `path` atomically. Throws std::invalid_argument when the model is not valid,
// FileError when the file cannot be written.
void write_model(const std::string& path, const Model& model, const Attrs& metadata = {});
// Reads and validates a model file. Throws FileError naming the file and what is wrong.
Model read_model(const std::string& path);
ModelFile read_model_file(const std::string& path);

// The same schema inside a group (the root of a model file, or one step of a checkpoint series).
void write_model_group(h5::Group& g, const Model& model, const Attrs& metadata);
ModelFile read_model_group(const h5::Group& g);

// How a parameter or constant name becomes an HDF5 link name: '%' -> "%25", '/' -> "%2F", and a
// name "." or empty gets a leading "%". Names without those characters are kept as they are.
std::string hdf5_link_name(const std::string& name);

}  // namespace hess
