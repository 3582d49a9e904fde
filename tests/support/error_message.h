#pragma once
// The message of the exception a call throws, for tests that check what an error says.
//
//   CHECK(error_message<hess::FileError>([&] { hess::read_model(p); }) == p + ": no such file");

#include <doctest/doctest.h>

#include <string>

namespace hess::test {

// what() of the E that fn() throws; "" (and a failed check) when it throws nothing or another type.
template <class E, class Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL_CHECK("threw another exception type: " << e.what());
    return "";
  }
  FAIL_CHECK("did not throw");
  return "";
}

}  // namespace hess::test
