//! What the language knows without being told: mathematical functions and constants, the
//! vector intrinsics, network activations, and the names no declaration may take.

macro_rules! math_fns {
    ($($variant:ident = $name:literal / $arity:literal : $doc:literal,)*) => {
        /// A built-in mathematical function.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum MathFn {
            $($variant,)*
        }

        impl MathFn {
            pub const ALL: &'static [MathFn] = &[$(MathFn::$variant,)*];

            pub fn name(self) -> &'static str {
                match self {
                    $(MathFn::$variant => $name,)*
                }
            }

            pub fn arity(self) -> usize {
                match self {
                    $(MathFn::$variant => $arity,)*
                }
            }

            /// What it computes and what its arguments' units must be (spec §4.5), for
            /// editors' hover.
            pub fn doc(self) -> &'static str {
                match self {
                    $(MathFn::$variant => $doc,)*
                }
            }
        }
    };
}

math_fns! {
    Sin = "sin" / 1 : "sine (radians); dimensionless argument",
    Cos = "cos" / 1 : "cosine (radians); dimensionless argument",
    Tan = "tan" / 1 : "tangent (radians); dimensionless argument",
    Asin = "asin" / 1 : "inverse sine; dimensionless argument",
    Acos = "acos" / 1 : "inverse cosine; dimensionless argument",
    Atan = "atan" / 1 : "inverse tangent; dimensionless argument",
    Sinh = "sinh" / 1 : "hyperbolic sine; dimensionless argument",
    Cosh = "cosh" / 1 : "hyperbolic cosine; dimensionless argument",
    Tanh = "tanh" / 1 : "hyperbolic tangent; dimensionless argument",
    Exp = "exp" / 1 : "exponential; dimensionless argument",
    Log = "log" / 1 : "natural logarithm; dimensionless argument",
    Sqrt = "sqrt" / 1 : "square root; any units, the result has half the dimension",
    Abs = "abs" / 1 : "absolute value; any units, the same dimension",
    Sign = "sign" / 1 : "−1, 0 or 1; any units, the result dimensionless",
    Sigmoid = "sigmoid" / 1 : "1 / (1 + e^−x); dimensionless argument",
    Softplus = "softplus" / 1 : "log(1 + e^x); dimensionless argument",
    Erf = "erf" / 1 : "error function; dimensionless argument",
    Min = "min" / 2 : "the smaller (IEEE minimum: NaN if either is NaN); both the same dimension",
    Max = "max" / 2 : "the larger (IEEE maximum: NaN if either is NaN); both the same dimension",
    Fma = "fma" / 3 : "a·b + c with one rounding (fused multiply–add); a·b and c the same dimension",
}

impl MathFn {
    pub fn from_name(name: &str) -> Option<MathFn> {
        MathFn::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Evaluate in f64 (used for constants; the symbolic core has the full interpreter).
    pub fn eval(self, args: &[f64]) -> f64 {
        let x = args[0];
        match self {
            MathFn::Sin => x.sin(),
            MathFn::Cos => x.cos(),
            MathFn::Tan => x.tan(),
            MathFn::Asin => x.asin(),
            MathFn::Acos => x.acos(),
            MathFn::Atan => x.atan(),
            MathFn::Sinh => x.sinh(),
            MathFn::Cosh => x.cosh(),
            MathFn::Tanh => x.tanh(),
            MathFn::Exp => x.exp(),
            MathFn::Log => x.ln(),
            MathFn::Sqrt => x.sqrt(),
            MathFn::Abs => x.abs(),
            MathFn::Sign => {
                if x.is_nan() || x == 0.0 {
                    x
                } else {
                    x.signum()
                }
            }
            MathFn::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            MathFn::Softplus => x.max(0.0) + (-x.abs()).exp().ln_1p(),
            MathFn::Erf => erf(x),
            MathFn::Min => minimum(x, args[1]),
            MathFn::Max => -minimum(-x, -args[1]),
            MathFn::Fma => x.mul_add(args[1], args[2]),
        }
    }

    /// Functions whose argument must be dimensionless (and whose value is).
    pub fn needs_dimensionless(self) -> bool {
        !matches!(
            self,
            MathFn::Sqrt | MathFn::Abs | MathFn::Sign | MathFn::Min | MathFn::Max | MathFn::Fma
        )
    }
}

/// IEEE 754-2019 `minimum`: NaN if either is NaN, and -0 below +0. Compiled kernels use the
/// hardware instruction with these semantics, so the interpreter does too.
pub fn minimum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else {
        a.min(b)
    }
}

/// The error function, to full f64 precision (W. J. Cody's rational approximations would do
/// too; this uses the series near zero and the continued fraction of erfc beyond).
pub fn erf(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let a = x.abs();
    let value = if a < 2.5 {
        // Maclaurin series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
        let mut term = a;
        let mut sum = a;
        let x2 = a * a;
        let mut n = 0.0;
        while term.abs() > 1e-17 * sum.abs() {
            n += 1.0;
            term *= -x2 / n;
            sum += term / (2.0 * n + 1.0);
        }
        sum * std::f64::consts::FRAC_2_SQRT_PI
    } else if a < 27.0 {
        // Lentz's continued fraction for erfc.
        let mut f = a;
        let mut c = a;
        let mut d = 0.0;
        for k in 1..200 {
            let an = k as f64 / 2.0;
            d = a + an * d;
            d = 1.0 / d;
            c = a + an / c;
            let delta = c * d;
            f *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        1.0 - (-a * a).exp() / (f * std::f64::consts::PI.sqrt())
    } else {
        1.0
    };
    value.copysign(x)
}

/// Built-in constants, by every spelling.
pub fn constant(name: &str) -> Option<f64> {
    match name {
        "pi" | "π" => Some(std::f64::consts::PI),
        "e" => Some(std::f64::consts::E),
        _ => None,
    }
}

/// Operators the checker implements itself (dimension-aware vector calculus, raw network
/// output, general derivative).
pub const INTRINSICS: &[&str] = &["grad", "div", "curl", "dot", "d", "net"];

/// Activations a network may use by name; user `fn`s of one argument work too.
pub const ACTIVATIONS: &[&str] = &[
    "tanh", "sin", "gelu", "swish", "relu", "sigmoid", "softplus",
];

/// Names no declaration may take: the constants, whose meaning everyone relies on.
pub fn is_reserved(name: &str) -> bool {
    constant(name).is_some()
}

/// Built-in names a declaration shadows (a warning, not an error).
pub fn is_builtin_function(name: &str) -> bool {
    MathFn::from_name(name).is_some() || INTRINSICS.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        let cases = [
            (0.0, 0.0),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (3.0, 0.999_977_909_503_001_4),
            (-1.0, -0.842_700_792_949_714_9),
        ];
        for (x, want) in cases {
            let got = erf(x);
            assert!((got - want).abs() < 1e-14, "erf({x}) = {got}, want {want}");
        }
    }

    #[test]
    fn arities() {
        assert_eq!(MathFn::from_name("min").map(MathFn::arity), Some(2));
        assert_eq!(MathFn::from_name("tanh").map(MathFn::arity), Some(1));
        assert!(MathFn::from_name("nope").is_none());
    }
}
