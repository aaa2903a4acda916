/* tests/preload/dlhost.c - loads argv[1] with dlopen and calls its dl_make
   (77 bytes, never freed). */
#include <dlfcn.h>
#include <string.h>
int main(int argc, char **argv) {
  void *h = argc > 1 ? dlopen(argv[1], RTLD_NOW) : NULL, *s, *(*f)(void);
  if (!h || !(s = dlsym(h, "dl_make"))) return 1;
  memcpy(&f, &s, sizeof s);
  return f() ? 0 : 1;
}
