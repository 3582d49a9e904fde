#pragma once
// IDX files (the MNIST family: MNIST, Fashion-MNIST, KMNIST, EMNIST), plain or gzip-compressed.
//
// Format (big-endian): two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
// 0x0D float32, 0x0E float64), the number of dimensions d (1..8), d uint32 extents, then the
// values, row-major. An images file of d = 3 ([N, H, W]) becomes X of shape [N, 1, H, W]; other
// ranks keep their extents ([N, ...]). A labels file is 1-D with N integer values.
//
// The header is checked against the bytes actually present before anything is allocated; a wrong
// magic number, a truncated file or trailing bytes are FileErrors naming the file.
//
//   hess::ImportedData d =
//   hess::import_idx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
//                                           "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
//   // d.data: X [10000, 1, 28, 28] with values 0..255, labels 0..9; d.default_scale = 255

#include <cstdint>
#include <string>
#include <vector>

#include "engine/shape.h"
#include "io/imported_data.h"

namespace hess {

struct IdxHeader {
  uint8_t type = 0;
  Shape shape;
  uint64_t count = 0;  // number of values (at most what the content holds)
  size_t element_size = 0;
  size_t data_offset = 0;  // where the values start
};

// Parses and checks the header of IDX content `bytes` (`label` names it in errors): magic, type,
// extents, and that exactly the declared values follow.
IdxHeader parse_idx_header(const std::string& bytes, const std::string& label);
// The values, converted to float (images).
std::vector<float> idx_values(const std::string& bytes, const IdxHeader& h);
// The values as class labels: an integer type, 1-D, non-negative.
std::vector<int64_t> idx_labels(const std::string& bytes, const IdxHeader& h,
                                const std::string& label);

// An images file and its labels file as a data set (values as stored; see preprocess.h).
ImportedData import_idx(const std::string& images_path, const std::string& labels_path);
// The same from content in memory (the fuzzer's entry point).
ImportedData parse_idx_pair(const std::string& images, const std::string& labels,
                            const std::string& images_label, const std::string& labels_label);

}  // namespace hess
