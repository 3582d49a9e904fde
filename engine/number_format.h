#pragma once
// Numbers as text, one way each:
//   shortest(0.1)        "0.1"      the shortest text that reads back to the same double (JSON,
//                                   settings fingerprints, axis specs); "nan", "inf", "-inf"
//   significant(x, 4)    "1.234e-09" %.*g: tables and messages (not std::to_string's six decimals,
//                                   which print small residuals as 0.000000)
//   grouped(101770)      "101,770"  counts for people

#include <cstdint>
#include <string>

namespace hess {

std::string shortest(double v);
std::string significant(double v, int digits = 6);
std::string grouped(long long v);

}  // namespace hess
