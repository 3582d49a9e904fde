#pragma once
// Shape-error checks for op tests: the message a graph's shape inference throws for one op node.
//
//   std::string e = op_shape_error(OpKind::Conv2d, {2, 3, 8, 8}, {{4, 2, 3, 3}}, attrs);
//   CHECK(contains(e, "node 'bad' (conv2d)"));

#include <string>
#include <vector>

#include "engine/attrs.h"
#include "engine/op_kind.h"
#include "engine/shape.h"

namespace hess::test {

// The message of the std::invalid_argument thrown when inferring the shape of a node named "bad"
// applying `kind` to the data input of shape `x` ([batch, sample...]) followed by parameter inputs
// of shapes `params`; "" when shape inference succeeds.
std::string op_shape_error(OpKind kind, const Shape& x, const std::vector<Shape>& params,
                           const Attrs& attrs);

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace hess::test
