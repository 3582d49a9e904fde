#pragma once
// A Record (io/record.h) as the attributes and datasets of a result group: fields marked kAttr
// become attributes (booleans as int64 0/1, nulls as NaN), fields marked kDataset datasets (lists
// 1-D, matrices of their rank), and every column of a table that names a dataset a dataset with a
// row per table row (vector cells as the rows of a 2-D dataset, padded with NaN to the longest).
//
//   hess::ResultGroup& g = rf.group("eigen");
//   hess::write_record(g, record);

#include "io/record.h"
#include "io/result_file.h"

namespace hess {

void write_record(ResultGroup& g, const Record& r);

}  // namespace hess
