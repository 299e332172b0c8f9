/* Shared by bench/evolve's C peers: the spacing of f32 values at y (the ULP a result is
 * measured in, as bench/evolve measures physc's), and with SOLLYA_EXP defined, Sollya's
 * fpminimax degree-6 f32 coefficients for e^x and 2^x on [0, 1] (classical.sol
 * regenerates them). */
#include <math.h>

static double ulp_f32(double y) {
    double a = fabs(y);
    if (a < 1.1754943508222875e-38) return ldexp(1.0, -149);
    int e;
    frexp(a, &e);
    return ldexp(1.0, e - 1 - 23);
}

#ifdef SOLLYA_EXP
static const float EXP[7] = {0x1p0f, 0x1.ffffc2p-1f, 0x1.000514p-1f, 0x1.54caa6p-3f,
                             0x1.5bfdc2p-5f, 0x1.d18e66p-8f, 0x1.2827fap-9f};
static const float EXP2[7] = {0x1p0f, 0x1.62e42cp-1f, 0x1.ebfd38p-3f, 0x1.c68b2ep-5f,
                              0x1.3cfb6p-7f, 0x1.4748aep-10f, 0x1.c41242p-13f};
#endif
