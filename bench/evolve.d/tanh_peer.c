/* The tanh peer of bench/evolve: physc's evolved f32 tanh against a fast f32 tanh of stated
 * accuracy, the clamped 13/6 rational approximation of Eigen (generic_fast_tanh_float in
 * Eigen/src/Core/MathFunctionsImpl.h, the one XLA's CPU backend emits): x·P(x²)/Q(x²) with
 * x clamped to [-9, 9], 6 + 3 FMAs, two multiplications and a division. Both are compiled here
 * by the same C compiler with the same flags, so the ratio compares the formulas, not two code
 * generators. The evolved program's C (from physc's report.json: `float physc_tanh(float)`)
 * is prepended to this file by bench/evolve.
 *
 * Measures, over [LO, HI] (the range the evolved program was fitted on):
 *   - the max ULP error of each (and of libm's tanhf) over every float of the range, against
 *     libm's double tanh, ULPs as physc measures them;
 *   - the time per point of y[i] = f(x[i]) over 10^6 points spaced evenly in the range, the
 *     median of 31 rounds in which the three run in rotating order, one thread, after one
 *     warm-up round (every round's time is printed too).
 * Compiled with -O3 -march=native -ffp-contract=off -fno-math-errno --param
 * max-inline-insns-auto=200 (fmaf is one instruction, no other FMA is formed, both functions
 * are inlined and their loops vectorised; without the last two GCC vectorised neither and the
 * ratio was 3.7 instead of 1.06). Prints one JSON object. Usage: tanh_peer LO HI */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "f32.h"

float physc_tanh(float x);

static float eigen_tanh(float a) {
    /* Eigen's pmin/pmax: plain compares (minps/maxps), not fminf/fmaxf */
    const float m = a < 9.0f ? a : 9.0f;
    const float x = m > -9.0f ? m : -9.0f;
    const float x2 = x * x;
    float p = fmaf(x2, -2.76076847742355e-16f, 2.00018790482477e-13f);
    p = fmaf(x2, p, -8.60467152213735e-11f);
    p = fmaf(x2, p, 5.12229709037114e-08f);
    p = fmaf(x2, p, 1.48572235717979e-05f);
    p = fmaf(x2, p, 6.37261928875436e-04f);
    p = fmaf(x2, p, 4.89352455891786e-03f);
    p = x * p;
    float q = fmaf(x2, 1.19825839466702e-06f, 1.18534705686654e-04f);
    q = fmaf(x2, q, 2.26843463243900e-03f);
    q = fmaf(x2, q, 4.89352518554385e-03f);
    return p / q;
}

static unsigned bits(float x) { unsigned k; memcpy(&k, &x, 4); return k; }
static float from_bits(unsigned k) { float x; memcpy(&x, &k, 4); return x; }

typedef float (*fn)(float);

static double max_ulp(fn f, float lo, float hi) {
    double max = 0.0;
    for (unsigned k = bits(lo); k <= bits(hi); k++) {
        float x = from_bits(k);
        double w = tanh((double)x), y = (double)f(x);
        double e = y == w ? 0.0 : fabs(y - w) / ulp_f32(w);
        if (e > max) max = e;
    }
    return max;
}

#define N 1000000
#define REPS 31
static float xs[N], ys[N];

/* the kernels, each its own loop so the compiler may vectorise each alike (bench/evolve raises
 * GCC's inlining limit so that both functions are inlined into their loops and vectorised) */
static void run_evolved(void) { for (int i = 0; i < N; i++) ys[i] = physc_tanh(xs[i]); }
static void run_eigen(void) { for (int i = 0; i < N; i++) ys[i] = eigen_tanh(xs[i]); }
static void run_libm(void) { for (int i = 0; i < N; i++) ys[i] = tanhf(xs[i]); }

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: tanh_peer LO HI\n");
        return 2;
    }
    float lo = strtof(argv[1], NULL), hi = strtof(argv[2], NULL);
    for (int i = 0; i < N; i++) xs[i] = lo + (hi - lo) * ((float)i + 0.5f) / (float)N;
    void (*kernels[3])(void) = {run_evolved, run_eigen, run_libm};
    double t[3][REPS];
    double sink = 0.0;
    for (int r = -1; r < REPS; r++) { /* round -1: warm-up */
        for (int j = 0; j < 3; j++) {
            int k = (j + (r < 0 ? 0 : r)) % 3;
            double t0 = now();
            kernels[k]();
            double dt = now() - t0;
            sink += ys[N / 2];
            if (r >= 0) t[k][r] = dt;
        }
    }
    double raw[3][REPS];
    memcpy(raw, t, sizeof raw);
    double ns[3];
    for (int k = 0; k < 3; k++) {
        qsort(t[k], REPS, sizeof(double), cmp);
        ns[k] = t[k][REPS / 2] * 1e9 / N;
    }
    double u_evo = max_ulp(physc_tanh, lo, hi), u_eig = max_ulp(eigen_tanh, lo, hi),
           u_lib = max_ulp(tanhf, lo, hi);
    printf("{\"range\": [%g, %g], \"points\": %d, \"reps\": %d, "
           "\"evolved_ns_per_point\": %.4f, \"rational_ns_per_point\": %.4f, "
           "\"libm_tanhf_ns_per_point\": %.4f, \"evolved_max_ulp\": %.4f, "
           "\"rational_max_ulp\": %.4f, \"libm_tanhf_max_ulp\": %.4f, "
           "\"rational_over_evolved\": %.4f, \"sink\": %g, \"rounds_s\": {",
           lo, hi, N, REPS, ns[0], ns[1], ns[2], u_evo, u_eig, u_lib, ns[1] / ns[0], sink);
    const char *names[3] = {"evolved", "rational", "libm_tanhf"};
    for (int k = 0; k < 3; k++) {
        printf("%s\"%s\": [", k ? ", " : "", names[k]);
        for (int r = 0; r < REPS; r++) printf("%s%.9f", r ? ", " : "", raw[k][r]);
        printf("]");
    }
    printf("}}\n");
    return 0;
}
