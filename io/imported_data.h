#pragma once
// What an importer (IDX, CSV) hands to preprocessing and to the data file writer.

#include <string>

#include "engine/dataset.h"

namespace hess {

struct ImportedData {
  Dataset data;              // values as stored in the input, as float32
  std::string source;        // e.g. "IDX: images train-images-idx3-ubyte.gz, labels ..."
  double default_scale = 1;  // what X is divided by unless told otherwise (255 for 8-bit images)
  std::string value_range;   // e.g. "8-bit pixel values 0..255", for the preprocessing note
};

}  // namespace hess
