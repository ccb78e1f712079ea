/* Time of one kt_price call from C (JSON in, JSON out, the answer freed),
 * against running the command for one line. BENCHMARKS.md, "C library".
 *   cargo build --release -p kine-tarif-ffi
 *   cc -O2 -o target/price_calls benches/c/price_calls.c -Iinclude -Ltarget/release -lkine_tarif
 *   LD_LIBRARY_PATH=target/release target/price_calls 200000 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kine_tarif.h"

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 100000;
  const char *request =
      "{\"date\": \"2026-02-01\", \"code\": \"RIM\", \"coefficient\": \"8.10\", "
      "\"department\": \"974\", \"billed_amount\": \"19.68\"}";
  char *out = NULL;
  kt_price(NULL, request, &out); /* the tariffs are parsed at first use */
  kt_free(out);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) {
    if (kt_price(NULL, request, &out) != KT_OK) return 1;
    kt_free(out);
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ns = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n;
  printf("kt_price: %ld calls, %.0f ns a call\n", n, ns);
  return 0;
}
