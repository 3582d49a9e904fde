#include <cstdio>

int main() {
  std::puts("hessian: commands coming");
  return 0;
}
