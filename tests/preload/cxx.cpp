// tests/preload/cxx.cpp - C++ new and delete go through malloc and free.
#include <string>
#include <vector>
static volatile int sink;
int *volatile kept;
__attribute__((noinline)) static int *make_array() { int *p = new int[100]; sink = p[0]; return p; }
int main() {
  int *p = make_array();
  std::vector<std::string> v;
  for (int i = 0; i < 100; i++) v.push_back(std::string(100, 'x'));
  sink = p[0] + static_cast<int>(v.size());
  delete[] p;
  kept = new int(7); // leaked
  return 0;
}
