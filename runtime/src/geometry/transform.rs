//! Similarity transforms x ↦ s·R·x + t (uniform scale s > 0, rotation R, shift t): the only
//! maps under which a signed distance stays exact (it scales by s), so non-uniform scaling
//! is deliberately absent (an ellipse is a primitive instead).

use super::GeometryError;

pub type Point = [f64; 3];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transform {
    scale: f64,
    /// Row-major rotation matrix.
    rotation: [[f64; 3]; 3],
    shift: Point,
}

impl Default for Transform {
    fn default() -> Self {
        Transform::IDENTITY
    }
}

impl Transform {
    pub const IDENTITY: Transform = Transform {
        scale: 1.0,
        rotation: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
        shift: [0.0; 3],
    };

    pub fn translation(by: Point) -> Result<Transform, GeometryError> {
        check_finite(&by, "translation")?;
        Ok(Transform {
            shift: by,
            ..Transform::IDENTITY
        })
    }

    /// Scaling by `factor` about the origin.
    pub fn scaling(factor: f64) -> Result<Transform, GeometryError> {
        if !(factor.is_finite() && factor > 0.0) {
            return Err(GeometryError::NotPositive {
                what: "scale factor",
                value: factor,
            });
        }
        Ok(Transform {
            scale: factor,
            ..Transform::IDENTITY
        })
    }

    /// Rotation by `angle` radians about `axis` through the origin (right-handed; in 2-D the
    /// axis is z, so a positive angle turns counter-clockwise).
    pub fn rotation(axis: Point, angle: f64) -> Result<Transform, GeometryError> {
        check_finite(&axis, "rotation axis")?;
        if !angle.is_finite() {
            return Err(GeometryError::NotFinite {
                what: "rotation angle",
            });
        }
        let norm = dot(axis, axis).sqrt();
        if norm == 0.0 {
            return Err(GeometryError::ZeroAxis);
        }
        let [x, y, z] = axis.map(|a| a / norm);
        let (s, c) = angle.sin_cos();
        let k = 1.0 - c;
        // Rodrigues' formula.
        let rotation = [
            [c + x * x * k, x * y * k - z * s, x * z * k + y * s],
            [y * x * k + z * s, c + y * y * k, y * z * k - x * s],
            [z * x * k - y * s, z * y * k + x * s, c + z * z * k],
        ];
        Ok(Transform {
            rotation,
            ..Transform::IDENTITY
        })
    }

    /// `self` applied after `first`.
    pub fn after(&self, first: &Transform) -> Transform {
        let mut rotation = [[0.0; 3]; 3];
        for (i, row) in rotation.iter_mut().enumerate() {
            for (j, entry) in row.iter_mut().enumerate() {
                *entry = (0..3)
                    .map(|k| self.rotation[i][k] * first.rotation[k][j])
                    .sum();
            }
        }
        Transform {
            scale: self.scale * first.scale,
            rotation,
            shift: self.apply(first.shift),
        }
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Whether this is the identity (most primitives are placed by their own coordinates).
    pub fn is_identity(&self) -> bool {
        *self == Transform::IDENTITY
    }

    /// The image of a point.
    pub fn apply(&self, p: Point) -> Point {
        let r = self.rotate(p);
        std::array::from_fn(|i| self.scale * r[i] + self.shift[i])
    }

    /// The image of a direction (a normal): rotated only.
    pub fn rotate(&self, v: Point) -> Point {
        std::array::from_fn(|i| dot(self.rotation[i], v))
    }

    /// The preimage of a point.
    pub fn invert(&self, p: Point) -> Point {
        let d: Point = std::array::from_fn(|i| (p[i] - self.shift[i]) / self.scale);
        // Rᵀ d
        std::array::from_fn(|j| (0..3).map(|i| self.rotation[i][j] * d[i]).sum())
    }

    /// How far the image of the local unit vector along `axis` reaches along world axis `i`:
    /// `|R[i][axis]|`, for exact bounding boxes of rotated round shapes.
    pub(super) fn rotation_entry(&self, i: usize, axis: usize) -> f64 {
        self.rotation[i][axis]
    }
}

pub(super) fn dot(a: Point, b: Point) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub(super) fn check_finite(p: &[f64], what: &'static str) -> Result<(), GeometryError> {
    if p.iter().all(|x| x.is_finite()) {
        Ok(())
    } else {
        Err(GeometryError::NotFinite { what })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Point, b: Point) -> bool {
        (0..3).all(|i| (a[i] - b[i]).abs() < 1e-12)
    }

    #[test]
    fn compositions_invert_and_rotate_as_expected() {
        let quarter = Transform::rotation([0.0, 0.0, 1.0], std::f64::consts::FRAC_PI_2).unwrap();
        assert!(close(quarter.apply([1.0, 0.0, 0.0]), [0.0, 1.0, 0.0]));
        let t = Transform::translation([1.0, 2.0, 3.0])
            .unwrap()
            .after(&Transform::scaling(2.0).unwrap().after(&quarter));
        let p = [0.3, -0.7, 1.1];
        let image = t.apply(p);
        assert!(close(image, [1.0 + 1.4, 2.0 + 0.6, 3.0 + 2.2]));
        assert!(close(t.invert(image), p));
        assert_eq!(t.scale(), 2.0);
        let general = Transform::rotation([1.0, 2.0, -0.5], 0.9).unwrap();
        let v = general.rotate(p);
        assert!(
            (dot(v, v) - dot(p, p)).abs() < 1e-12,
            "rotations keep lengths"
        );
    }

    #[test]
    fn bad_transforms_are_errors() {
        assert_eq!(
            Transform::rotation([0.0; 3], 1.0),
            Err(GeometryError::ZeroAxis)
        );
        assert!(Transform::scaling(0.0).is_err());
        assert!(Transform::scaling(f64::NAN).is_err());
        assert!(Transform::translation([f64::INFINITY, 0.0, 0.0]).is_err());
    }
}
