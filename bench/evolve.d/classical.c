/* The classical peer of bench/evolve: the best degree-6 polynomials with f32 coefficients
 * (Sollya's fpminimax, relative error on [0, 1]; classical.sol regenerates the coefficients),
 * evaluated as a physc program of the same cost would be: Horner's rule with 6 fused
 * multiply-adds in f32. Prints the maximum error in ULPs over every float of [0, 1], measured
 * as bench/evolve measures physc's result (against libm's double exp / exp2).
 * Usage: classical exp|exp2 */
#include <math.h>
#include <stdio.h>
#include <string.h>

static const float EXP[7] = {0x1p0f, 0x1.ffffc2p-1f, 0x1.000514p-1f, 0x1.54caa6p-3f,
                             0x1.5bfdc2p-5f, 0x1.d18e66p-8f, 0x1.2827fap-9f};
static const float EXP2[7] = {0x1p0f, 0x1.62e42cp-1f, 0x1.ebfd38p-3f, 0x1.c68b2ep-5f,
                              0x1.3cfb6p-7f, 0x1.4748aep-10f, 0x1.c41242p-13f};

static double ulp_f32(double y) {
    double a = fabs(y);
    if (a < 1.1754943508222875e-38) return ldexp(1.0, -149);
    int e;
    frexp(a, &e);
    return ldexp(1.0, e - 1 - 23);
}

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
