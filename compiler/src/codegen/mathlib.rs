//! Math functions that kernels call. They are the very functions the reference interpreter
//! uses (Rust's `f64`/`f32` methods, which call the platform libm, and physc's own `erf`,
//! `sigmoid`, `softplus`), so a compiled kernel agrees with the interpreter bit for bit
//! wherever it calls one of these; `sqrt`, `abs`, `min`, `max` and arithmetic are native
//! instructions, correctly rounded. Accuracy is therefore the platform libm's (glibc: under
//! 1 ULP for exp, log, sin, cos, tan, pow in f64; under 2 ULP for the f32 variants, except f32
//! `tanh`, computed in f64 and rounded once: within 0.5 ULP but for rare ties) and, for
//! `erf`, physc's series and continued fraction (≤ 2 ULP over the tested range).

use crate::check::builtins::MathFn;

macro_rules! unary_f64 {
    ($($name:ident => $body:expr;)*) => {
        $(extern "C" fn $name(x: f64) -> f64 { let f: fn(f64) -> f64 = $body; f(x) })*
    };
}

macro_rules! unary_f32 {
    ($($name:ident => $body:expr;)*) => {
        $(extern "C" fn $name(x: f32) -> f32 { let f: fn(f32) -> f32 = $body; f(x) })*
    };
}

unary_f64! {
    exp_f64 => f64::exp;
    log_f64 => f64::ln;
    sin_f64 => f64::sin;
    cos_f64 => f64::cos;
    tan_f64 => f64::tan;
    asin_f64 => f64::asin;
    acos_f64 => f64::acos;
    atan_f64 => f64::atan;
    sinh_f64 => f64::sinh;
    cosh_f64 => f64::cosh;
    tanh_f64 => f64::tanh;
    sigmoid_f64 => |x| MathFn::Sigmoid.eval(&[x]);
    softplus_f64 => |x| MathFn::Softplus.eval(&[x]);
    erf_f64 => crate::check::builtins::erf;
}

unary_f32! {
    exp_f32 => f32::exp;
    log_f32 => f32::ln;
    sin_f32 => f32::sin;
    cos_f32 => f32::cos;
    tan_f32 => f32::tan;
    asin_f32 => f32::asin;
    acos_f32 => f32::acos;
    atan_f32 => f32::atan;
    sinh_f32 => f32::sinh;
    cosh_f32 => f32::cosh;
    tanh_f32 => tanh_f32_via_f64;
    sigmoid_f32 => |x| 1.0 / (1.0 + (-x).exp());
    softplus_f32 => |x| x.max(0.0) + (-x.abs()).exp().ln_1p();
    erf_f32 => |x| crate::check::builtins::erf(x as f64) as f32;
}

/// tanh for f32 kernels, computed in f64 from one `exp` (cheaper than libm's `tanhf`, which
/// goes through `expm1f`): below 2.5e-4 the series x(1 − x²/3) is exact to f64 rounding,
/// above it 1 − e^(−2|x|) loses at most 2e-13 relatively. Both are far below half an f32
/// ULP, so the result is tanh correctly rounded to f32 but for rare ties.
fn tanh_f32_via_f64(x: f32) -> f32 {
    let a = (x as f64).abs();
    let t = if a < 2.5e-4 {
        a * (1.0 - a * a / 3.0)
    } else {
        let e = (-2.0 * a).exp();
        (1.0 - e) / (1.0 + e)
    };
    (t as f32).copysign(x)
}

extern "C" fn pow_f64(x: f64, y: f64) -> f64 {
    x.powf(y)
}

extern "C" fn pow_f32(x: f32, y: f32) -> f32 {
    x.powf(y)
}

/// (symbol name, address, arity) of every function kernels may call, for one precision.
pub fn symbols(f32: bool) -> Vec<(&'static str, *const u8, usize)> {
    macro_rules! table {
        ($suffix:ident: $($name:literal => $f:ident),*) => {
            vec![$(($name, $f as *const u8, 1)),*]
        };
    }
    let mut list = if f32 {
        table!(f32: "exp" => exp_f32, "log" => log_f32, "sin" => sin_f32, "cos" => cos_f32,
            "tan" => tan_f32, "asin" => asin_f32, "acos" => acos_f32, "atan" => atan_f32,
            "sinh" => sinh_f32, "cosh" => cosh_f32, "tanh" => tanh_f32, "sigmoid" => sigmoid_f32,
            "softplus" => softplus_f32, "erf" => erf_f32)
    } else {
        table!(f64: "exp" => exp_f64, "log" => log_f64, "sin" => sin_f64, "cos" => cos_f64,
            "tan" => tan_f64, "asin" => asin_f64, "acos" => acos_f64, "atan" => atan_f64,
            "sinh" => sinh_f64, "cosh" => cosh_f64, "tanh" => tanh_f64, "sigmoid" => sigmoid_f64,
            "softplus" => softplus_f64, "erf" => erf_f64)
    };
    if f32 {
        list.push(("pow", pow_f32 as *const u8, 2));
    } else {
        list.push(("pow", pow_f64 as *const u8, 2));
    }
    list
}

#[cfg(test)]
mod tests {
    use super::tanh_f32_via_f64;

    /// Against tanh in f64 rounded to f32: equal, or one ULP apart where the f64 value lies
    /// within rounding error of a tie.
    #[test]
    fn f32_tanh_is_correctly_rounded() {
        let mut x = 1e-30f32;
        let mut checked = 0;
        while x < 20.0 {
            for v in [x, -x] {
                let want = (v as f64).tanh() as f32;
                let got = tanh_f32_via_f64(v);
                let ulps = (got.to_bits() as i64 - want.to_bits() as i64).abs();
                assert!(ulps <= 1, "tanh({v}) = {got}, want {want}");
                checked += 1;
            }
            x *= 1.0001;
        }
        assert!(checked > 1_000_000);
        assert_eq!(tanh_f32_via_f64(f32::INFINITY), 1.0);
        assert_eq!(tanh_f32_via_f64(-f32::INFINITY), -1.0);
        assert!(tanh_f32_via_f64(f32::NAN).is_nan());
        assert!(tanh_f32_via_f64(-0.0).is_sign_negative());
    }
}
