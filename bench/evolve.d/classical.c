/* The classical peer of bench/evolve: the best degree-6 polynomials with f32 coefficients
 * (Sollya's fpminimax, relative error on [0, 1]; classical.sol regenerates the coefficients),
 * evaluated as a physc program of the same cost would be: Horner's rule with 6 fused
 * multiply-adds in f32. Prints the maximum error in ULPs over every float of [0, 1], measured
 * as bench/evolve measures physc's result (against libm's double exp / exp2).
 * Usage: classical exp|exp2 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#define SOLLYA_EXP
#include "f32.h"

int main(int argc, char **argv) {
    int two = argc > 1 && strcmp(argv[1], "exp2") == 0;
    const float *c = two ? EXP2 : EXP;
    float lo = 0.0f, hi = 1.0f;
    unsigned a, b;
    memcpy(&a, &lo, 4);
    memcpy(&b, &hi, 4);
    double max = 0.0;
    for (unsigned k = a; k <= b; k++) {
        float x;
        memcpy(&x, &k, 4);
        float p = c[6];
        for (int i = 5; i >= 0; i--) p = fmaf(p, x, c[i]);
        double want = two ? exp2((double)x) : exp((double)x);
        double e = (double)p == want ? 0.0 : fabs((double)p - want) / ulp_f32(want);
        if (e > max) max = e;
    }
    printf("%.17g\n", max);
    return 0;
}
