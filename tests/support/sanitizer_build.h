#pragma once
// Whether this is the ASan/UBSan build (CMake option HESS_SANITIZE). ASan's allocator is not
// malloc's (mallinfo2 counts nothing of it) and its shadow memory (terabytes of address space)
// cannot be mapped under an address-space limit (ulimit -v), so the tests that measure the one or
// impose the other skip it there.

namespace hess::test {

#ifdef HESS_SANITIZE
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

}  // namespace hess::test
