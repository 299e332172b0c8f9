//! The exact distance from a point to an axis-aligned ellipse centred at the origin, and its
//! perimeter. The nearest point on the ellipse solves a quartic; following D. Eberly
//! ("Distance from a Point to an Ellipse, an Ellipsoid, or a Hyperellipsoid", 2013), the
//! problem is folded into the first quadrant and its root found by bisection on a function
//! that is monotone on the bracket, so the result is correct to the last bits for every point,
//! including those near the axes and the centre, where Newton's method struggles.

/// The distance from `(x, y)` to the ellipse with semi-axes `a` along x and `b` along y.
pub fn distance(a: f64, b: f64, x: f64, y: f64) -> f64 {
    let (x, y) = (x.abs(), y.abs());
    // Eberly's formulation wants the first semi-axis to be the larger.
    if a >= b {
        distance_first_quadrant(a, b, x, y)
    } else {
        distance_first_quadrant(b, a, y, x)
    }
}

/// `e0 ≥ e1 > 0`, `y0, y1 ≥ 0`.
fn distance_first_quadrant(e0: f64, e1: f64, y0: f64, y1: f64) -> f64 {
    if y1 > 0.0 {
        if y0 > 0.0 {
            let (z0, z1) = (y0 / e0, y1 / e1);
            let g = z0 * z0 + z1 * z1 - 1.0;
            if g == 0.0 {
                return 0.0;
            }
            let r0 = (e0 / e1) * (e0 / e1);
            let s = root(r0, z0, z1, g);
            let x0 = r0 * y0 / (s + r0);
            let x1 = y1 / (s + 1.0);
            (x0 - y0).hypot(x1 - y1)
        } else {
            (y1 - e1).abs()
        }
    } else {
        // On the major axis: the nearest point is off the axis when the point is close enough
        // to the centre (inside the evolute).
        let numer = e0 * y0;
        let denom = e0 * e0 - e1 * e1;
        if numer < denom {
            let t = numer / denom;
            let x0 = e0 * t;
            let x1 = e1 * (1.0 - t * t).sqrt();
            (x0 - y0).hypot(x1)
        } else {
            (y0 - e0).abs()
        }
    }
}

/// The root `s` of (r0·z0/(s + r0))² + (z1/(s + 1))² = 1 with s > −1, by bisection.
fn root(r0: f64, z0: f64, z1: f64, g: f64) -> f64 {
    let n0 = r0 * z0;
    let mut s0 = z1 - 1.0;
    let mut s1 = if g < 0.0 { 0.0 } else { n0.hypot(z1) - 1.0 };
    let mut s = s0;
    // 1100 halvings exhaust any f64 interval; the loop ends far earlier when the midpoint
    // stops moving.
    for _ in 0..1100 {
        s = 0.5 * (s0 + s1);
        if s == s0 || s == s1 {
            break;
        }
        let (q0, q1) = (n0 / (s + r0), z1 / (s + 1.0));
        let g = q0 * q0 + q1 * q1 - 1.0;
        if g > 0.0 {
            s0 = s;
        } else if g < 0.0 {
            s1 = s;
        } else {
            break;
        }
    }
    s
}

/// The speed |r'(t)| of the parametrisation r(t) = (a cos t, b sin t).
pub fn speed(a: f64, b: f64, t: f64) -> f64 {
    let (s, c) = t.sin_cos();
    (a * s).hypot(b * c)
}

/// The perimeter, by the trapezoidal rule on the periodic speed, which converges
/// geometrically: 4096 nodes give full f64 precision for any ratio of axes below 10³.
pub fn perimeter(a: f64, b: f64) -> f64 {
    let n = 4096;
    let h = std::f64::consts::TAU / n as f64;
    (0..n).map(|k| speed(a, b, k as f64 * h)).sum::<f64>() * h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_on_the_axes_and_for_circles() {
        // A circle: distance is | |p| - r |.
        for (x, y) in [(0.3, 0.4), (3.0, -4.0), (0.0, 0.0), (-2.0, 0.0), (0.0, 0.7)] {
            let exact = f64::hypot(x, y) - 1.0;
            assert!(
                (distance(1.0, 1.0, x, y) - exact.abs()).abs() < 1e-14,
                "{x} {y}"
            );
        }
        // Points on the minor axis: the nearest point is the co-vertex.
        assert!((distance(2.0, 1.0, 0.0, 3.0) - 2.0).abs() < 1e-15);
        assert!((distance(1.0, 2.0, 3.0, 0.0) - 2.0).abs() < 1e-15);
        // The centre: the nearest points are the co-vertices.
        assert!((distance(2.0, 1.0, 0.0, 0.0) - 1.0).abs() < 1e-15);
        // On the major axis inside the evolute: the closed form b·sqrt(1 − x²/(a² − b²)).
        let (a, b, x): (f64, f64, f64) = (2.0, 1.0, 0.5);
        let exact: f64 = b * f64::sqrt(1.0 - x * x / (a * a - b * b));
        assert!((distance(a, b, x, 0.0) - exact).abs() < 1e-15);
    }

    #[test]
    fn distance_is_the_minimum_over_a_fine_boundary() {
        let (a, b) = (1.5, 0.4);
        let boundary: Vec<(f64, f64)> = (0..200_000)
            .map(|k| {
                let t = k as f64 * std::f64::consts::TAU / 200_000.0;
                (a * t.cos(), b * t.sin())
            })
            .collect();
        for (x, y) in [
            (0.2, 0.1),
            (1.7, 0.9),
            (-0.9, -0.3),
            (0.0, -1.0),
            (1.2, 0.0),
        ] {
            let brute = boundary
                .iter()
                .map(|&(bx, by)| (bx - x).hypot(by - y))
                .fold(f64::INFINITY, f64::min);
            let d = distance(a, b, x, y);
            assert!(
                d <= brute + 1e-12 && brute - d < 1e-6,
                "{x} {y}: {d} vs {brute}"
            );
        }
    }

    #[test]
    fn perimeter_of_circle_and_a_known_ellipse() {
        assert!((perimeter(1.0, 1.0) - std::f64::consts::TAU).abs() < 1e-13);
        // 8·E(3/4), with E the complete elliptic integral of the second kind.
        assert!((perimeter(2.0, 1.0) - 9.688_448_220_547_676).abs() < 1e-12);
    }
}
