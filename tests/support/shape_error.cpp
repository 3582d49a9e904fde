#include "support/shape_error.h"

#include <stdexcept>

#include "engine/graph_builder.h"

namespace hess::test {

std::string op_shape_error(OpKind kind, const Shape& x, const std::vector<Shape>& params,
                           const Attrs& attrs) {
  GraphBuilder b(Shape(x.begin() + 1, x.end()));
  std::vector<int> ins{b.input()};
  for (size_t i = 0; i < params.size(); ++i) {
    std::string name = "p";
    name += std::to_string(i);
    ins.push_back(b.param(name, params[i], BlockRole::Other, Init::constant(0.0)));
  }
  const int y = b.op(kind, ins, attrs, "bad");
  try {
    b.shape_of(y, x.at(0));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace hess::test
