/* freestanding.c - the memcpy/memset the compiler may call in the budget program, which links no C library. */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *d, const void *s, size_t n) { uint8_t *a = d; const uint8_t *b = s; while (n--) *a++ = *b++; return d; }
void *memset(void *d, int c, size_t n) { uint8_t *a = d; while (n--) *a++ = (uint8_t)c; return d; }
