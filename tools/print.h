#pragma once
// What a command prints when it is done: the summary Record of its run (io/record.h) as one JSON
// object on stdout (--json; its first key `command` is the command's name, docs/cli.md "JSON"), or
// as text: the heading lines, the tables, the quantity table and the
// footer.
//
//   hess::cli::print(record, printing);

#include <string>

#include "io/record.h"
#include "tools/common_flags.h"

namespace hess::cli {

void print(const Record& r, const Printing& p);
// The text form alone.
std::string text_of(const Record& r);

}  // namespace hess::cli
