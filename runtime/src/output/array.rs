//! The array every reader returns and every array writer takes: f64, row-major
//! (C order). Readers convert f32 and Fortran-order files into this one form, so callers
//! never branch on how a file happened to be stored. At the library's boundary it converts
//! to and from `ndarray::ArrayD<f64>` without copying: the same buffer, the same order.

use super::ErrorKind;

/// An array of f64 in row-major order (1-D and 2-D from readers, any rank for results).
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    shape: Vec<usize>,
    data: Vec<f64>,
}

impl Array {
    /// A 1-D array.
    pub fn vector(data: Vec<f64>) -> Self {
        Array {
            shape: vec![data.len()],
            data,
        }
    }

    /// A `rows × cols` array from row-major `data`.
    pub fn matrix(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self, ErrorKind> {
        if rows.checked_mul(cols) != Some(data.len()) {
            return Err(ErrorKind::Invalid(format!(
                "a {rows}×{cols} array needs {} values, got {}",
                rows as u128 * cols as u128,
                data.len()
            )));
        }
        Ok(Array {
            shape: vec![rows, cols],
            data,
        })
    }

    /// An array of any number of dimensions (a field on a 3-D grid) from row-major `data`.
    pub fn with_shape(shape: Vec<usize>, data: Vec<f64>) -> Result<Self, ErrorKind> {
        let size = shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
        if size != Some(data.len()) {
            return Err(ErrorKind::Invalid(format!(
                "an array of shape {shape:?} cannot hold {} values",
                data.len()
            )));
        }
        Ok(Array { shape, data })
    }

    /// A 2-D array from equally long rows, e.g. a field `u[t][x]`.
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, ErrorKind> {
        let cols = rows.first().map_or(0, Vec::len);
        if let Some(i) = rows.iter().position(|r| r.len() != cols) {
            return Err(ErrorKind::Invalid(format!(
                "row {i} has {} values, but row 0 has {cols}",
                rows[i].len()
            )));
        }
        Array::matrix(rows.len(), cols, rows.concat())
    }

    /// `[n]` or `[rows, cols]`.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// All values in row-major order.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    pub fn into_data(self) -> Vec<f64> {
        self.data
    }

    /// Rows and columns, a 1-D array counting as one row.
    pub fn dims(&self) -> (usize, usize) {
        match self.shape[..] {
            [rows, cols] => (rows, cols),
            _ => (1, self.data.len()),
        }
    }

    /// Row `i` (a 1-D array has only row 0). Panics if out of range, like slice indexing.
    pub fn row(&self, i: usize) -> &[f64] {
        let (rows, cols) = self.dims();
        assert!(i < rows, "row {i} of an array with {rows} rows");
        &self.data[i * cols..(i + 1) * cols]
    }

    /// Build from a shape the caller has already checked against `data.len()`.
    pub(crate) fn from_parts(shape: Vec<usize>, data: Vec<f64>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Array { shape, data }
    }
}

impl From<Array> for ndarray::ArrayD<f64> {
    fn from(a: Array) -> Self {
        // The shape was checked against the data when `a` was built.
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&a.shape), a.data)
            .expect("an Array's shape matches its data")
    }
}

impl<D: ndarray::Dimension> From<ndarray::Array<f64, D>> for Array {
    /// Row-major arrays keep their buffer; others (a transposed view made owned) are
    /// copied into row-major order.
    fn from(a: ndarray::Array<f64, D>) -> Self {
        let shape = a.shape().to_vec();
        let data = if a.is_standard_layout() {
            let (data, offset) = a.into_raw_vec_and_offset();
            match offset {
                Some(0) | None => data,
                Some(start) => data[start..].to_vec(),
            }
        } else {
            a.iter().copied().collect()
        };
        Array::from_parts(shape, data)
    }
}

impl Array {
    /// A view of this array as an `ndarray` of its shape.
    pub fn view(&self) -> ndarray::ArrayViewD<'_, f64> {
        ndarray::ArrayViewD::from_shape(ndarray::IxDyn(&self.shape), &self.data)
            .expect("an Array's shape matches its data")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_checked() {
        assert!(Array::matrix(2, 3, vec![0.0; 6]).is_ok());
        assert!(Array::matrix(2, 3, vec![0.0; 5]).is_err());
        assert!(Array::matrix(usize::MAX, 2, vec![]).is_err());
        let ragged = Array::from_rows(&[vec![1.0, 2.0], vec![3.0]]).unwrap_err();
        assert!(ragged.to_string().contains("row 1"), "{ragged}");
        let a = Array::from_rows(&[vec![1.0, 2.0], vec![3.0, 4.0]]).unwrap();
        assert_eq!((a.shape(), a.row(1)), (&[2, 2][..], &[3.0, 4.0][..]));
        assert_eq!(Array::vector(vec![1.0; 4]).dims(), (1, 4));
    }

    #[test]
    fn ndarray_round_trips_keep_row_major_order() {
        let a = Array::from_rows(&[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]).unwrap();
        assert_eq!(a.view()[[1, 0]], 4.0);
        let nd: ndarray::ArrayD<f64> = a.clone().into();
        assert_eq!(nd.shape(), &[2, 3]);
        assert_eq!(nd[[0, 2]], 3.0);
        assert_eq!(Array::from(nd.clone()), a);
        // A transposed array is stored in row-major order of its own shape.
        let t = Array::from(nd.reversed_axes().as_standard_layout().into_owned());
        assert_eq!(t.shape(), &[3, 2]);
        assert_eq!(t.row(0), &[1.0, 4.0]);
        use ndarray::ShapeBuilder;
        let f = Array::from(
            ndarray::Array2::from_shape_vec((2, 2).f(), vec![1.0, 2.0, 3.0, 4.0]).unwrap(),
        );
        assert_eq!(f.data(), &[1.0, 3.0, 2.0, 4.0]);
    }
}
