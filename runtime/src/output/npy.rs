//! NumPy's `.npy` format: a magic string, a Python-dict header giving dtype, memory order
//! and shape, then the raw values. Writes little-endian f64 in C order (header version 1.0,
//! padded so the data starts on a 64-byte boundary, as NumPy does); reads f64 and f32 of
//! either byte order and either memory order, 1-D or 2-D, into an `Array`. Anything else is
//! an error saying what the file holds, never a panic.

use super::{atomic_write, read_file, Array, ErrorKind, OutputError};
use std::path::Path;

const MAGIC: &[u8] = b"\x93NUMPY";

/// Data starts on a multiple of this, so readers can memory-map it aligned.
const ALIGN: usize = 64;

/// Encode `array` as a complete `.npy` file.
pub fn to_bytes(array: &Array) -> Vec<u8> {
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': {}, }}",
        shape_tuple(array.shape())
    );
    // magic + version (2) + header length (2) + header + newline
    let unpadded = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((ALIGN - unpadded % ALIGN) % ALIGN));
    header.push('\n');
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + header.len() + 8 * array.data().len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    // Shapes are a few numbers, so the header is far below u16::MAX.
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for v in array.data() {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// Python's repr of a shape tuple: `(3,)` or `(2, 3)`.
fn shape_tuple(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    match dims.len() {
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    }
}

/// Write `array` to `path` atomically.
pub fn write(path: &Path, array: &Array) -> Result<(), OutputError> {
    atomic_write(path, &to_bytes(array))
}

/// Read a `.npy` file.
pub fn read(path: &Path) -> Result<Array, OutputError> {
    from_bytes(&read_file(path)?).map_err(|e| e.at(path))
}

/// Decode a complete `.npy` file held in memory.
pub fn from_bytes(bytes: &[u8]) -> Result<Array, ErrorKind> {
    if !bytes.starts_with(MAGIC) {
        return Err(malformed(
            "not a .npy file (the magic string `\\x93NUMPY` is missing)",
        ));
    }
    let (header, data) = split_header(bytes)?;
    let header = Header::parse(header)?;
    let count = header
        .shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .and_then(|n| n.checked_mul(header.item_size).map(|b| (n, b)));
    let Some((count, nbytes)) = count else {
        return Err(malformed(&format!("shape {:?} is too large", header.shape)));
    };
    let Some(data) = data.get(..nbytes) else {
        return Err(malformed(&format!(
            "truncated: shape {:?} needs {nbytes} bytes of data, but only {} follow the header",
            header.shape,
            data.len()
        )));
    };
    let values = header.decode(data);
    debug_assert_eq!(values.len(), count);
    let values = match (header.fortran_order, &header.shape[..]) {
        (true, &[rows, cols]) => transpose(&values, cols, rows),
        _ => values,
    };
    Ok(Array::from_parts(header.shape, values))
}

fn malformed(what: &str) -> ErrorKind {
    ErrorKind::Malformed(what.to_string())
}

/// Split after the magic and version into the header text and the bytes that follow it.
fn split_header(bytes: &[u8]) -> Result<(&[u8], &[u8]), ErrorKind> {
    let truncated = || malformed("truncated inside the .npy header");
    let version = bytes.get(6).ok_or_else(truncated)?;
    let (len, start) = match version {
        1 => {
            let b = bytes.get(8..10).ok_or_else(truncated)?;
            (u16::from_le_bytes([b[0], b[1]]) as usize, 10)
        }
        2 | 3 => {
            let b = bytes.get(8..12).ok_or_else(truncated)?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        v => {
            return Err(ErrorKind::Unsupported(format!(
                ".npy format version {v} (versions 1 to 3 are read)"
            )))
        }
    };
    let header = bytes.get(start..start + len).ok_or_else(truncated)?;
    Ok((header, &bytes[start + len..]))
}

/// The three keys of a `.npy` header, checked.
struct Header {
    little_endian: bool,
    item_size: usize,
    fortran_order: bool,
    shape: Vec<usize>,
}

impl Header {
    fn parse(text: &[u8]) -> Result<Header, ErrorKind> {
        let mut p = DictParser { s: text, pos: 0 };
        let (mut descr, mut fortran, mut shape) = (None, None, None);
        p.expect(b'{')?;
        while !p.eat(b'}') {
            let key = p.string()?;
            p.expect(b':')?;
            match key.as_str() {
                "descr" => descr = Some(p.descr()?),
                "fortran_order" => fortran = Some(p.boolean()?),
                "shape" => shape = Some(p.tuple()?),
                other => return Err(p.error(&format!("unexpected key '{other}'"))),
            }
            if !p.eat(b',') {
                p.expect(b'}')?;
                break;
            }
        }
        let missing = |key: &str| p.error(&format!("the key '{key}' is missing"));
        let descr = descr.ok_or_else(|| missing("descr"))?;
        let fortran_order = fortran.ok_or_else(|| missing("fortran_order"))?;
        let shape = shape.ok_or_else(|| missing("shape"))?;
        let (little_endian, item_size) = dtype(&descr)?;
        if shape.is_empty() || fortran_order && shape.len() > 2 {
            return Err(ErrorKind::Unsupported(format!(
                "a {}-D {}array of shape {shape:?} (arrays of 1 or more dimensions in C order, or 1-D and 2-D in Fortran order, are read)",
                shape.len(),
                if fortran_order { "Fortran-order " } else { "" }
            )));
        }
        Ok(Header {
            little_endian,
            item_size,
            fortran_order,
            shape,
        })
    }

    /// Convert raw values (exactly `count * item_size` bytes) to f64 in file order.
    fn decode(&self, data: &[u8]) -> Vec<f64> {
        let le = self.little_endian;
        match self.item_size {
            8 => data
                .chunks_exact(8)
                .map(|c| {
                    let b: [u8; 8] = c.try_into().expect("chunks_exact(8)");
                    if le {
                        f64::from_le_bytes(b)
                    } else {
                        f64::from_be_bytes(b)
                    }
                })
                .collect(),
            _ => data
                .chunks_exact(4)
                .map(|c| {
                    let b: [u8; 4] = c.try_into().expect("chunks_exact(4)");
                    f64::from(if le {
                        f32::from_le_bytes(b)
                    } else {
                        f32::from_be_bytes(b)
                    })
                })
                .collect(),
        }
    }
}

/// Byte order and item size of a float dtype such as `<f8`.
fn dtype(descr: &str) -> Result<(bool, usize), ErrorKind> {
    let unsupported = || {
        ErrorKind::Unsupported(format!(
            "dtype '{descr}' (only float64 and float32 arrays are read)"
        ))
    };
    let little = match descr.get(..1) {
        Some("<") => true,
        Some(">") => false,
        Some("=") => cfg!(target_endian = "little"),
        _ => return Err(unsupported()),
    };
    match &descr[1..] {
        "f8" => Ok((little, 8)),
        "f4" => Ok((little, 4)),
        _ => Err(unsupported()),
    }
}

/// Transpose a row-major `rows_in × cols_in` matrix. Column-major data of shape
/// `(rows, cols)` is row-major `cols × rows`, so this turns Fortran order into C order.
fn transpose(values: &[f64], rows_in: usize, cols_in: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(values.len());
    for j in 0..cols_in {
        out.extend((0..rows_in).map(|i| values[i * cols_in + j]));
    }
    out
}

/// Just enough of Python's literal syntax for a `.npy` header: a dict of strings, booleans
/// and tuples of integers.
struct DictParser<'a> {
    s: &'a [u8],
    pos: usize,
}

impl DictParser<'_> {
    fn error(&self, what: &str) -> ErrorKind {
        ErrorKind::Malformed(format!(
            "bad .npy header at byte {}: {what} (header: {:?})",
            self.pos,
            String::from_utf8_lossy(self.s).trim_end()
        ))
    }

    fn peek(&mut self) -> Option<u8> {
        while self.s.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
        self.s.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        let found = self.peek() == Some(c);
        if found {
            self.pos += 1;
        }
        found
    }

    fn expect(&mut self, c: u8) -> Result<(), ErrorKind> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(self.error(&format!("expected '{}'", c as char)))
        }
    }

    fn string(&mut self) -> Result<String, ErrorKind> {
        let quote = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => return Err(self.error("expected a quoted string")),
        };
        let start = self.pos + 1;
        let len = self.s[start..].iter().position(|&c| c == quote);
        let len = len.ok_or_else(|| self.error("unterminated string"))?;
        self.pos = start + len + 1;
        Ok(String::from_utf8_lossy(&self.s[start..start + len]).into_owned())
    }

    /// The dtype: a plain string; a list means a structured dtype, which is not read.
    fn descr(&mut self) -> Result<String, ErrorKind> {
        if self.peek() == Some(b'[') {
            return Err(ErrorKind::Unsupported(
                "a structured dtype (only float64 and float32 arrays are read)".to_string(),
            ));
        }
        self.string()
    }

    fn word(&mut self) -> &[u8] {
        self.peek();
        let start = self.pos;
        while self.s.get(self.pos).is_some_and(u8::is_ascii_alphanumeric) {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    fn boolean(&mut self) -> Result<bool, ErrorKind> {
        match self.word() {
            b"True" => Ok(true),
            b"False" => Ok(false),
            _ => Err(self.error("expected True or False")),
        }
    }

    fn tuple(&mut self) -> Result<Vec<usize>, ErrorKind> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        while !self.eat(b')') {
            let word = std::str::from_utf8(self.word()).unwrap_or("");
            let dim = word
                .parse()
                .map_err(|_| self.error("expected a dimension"))?;
            dims.push(dim);
            if !self.eat(b',') {
                self.expect(b')')?;
                break;
            }
        }
        Ok(dims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Written by NumPy 2.4 with `np.save` (note its 128-byte header):
    // np.array([1.5, -2.0, 3.25])
    const NUMPY_F64: &[u8] = b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }                                                            \
            \x0a\x00\x00\x00\x00\x00\x00\xf8?\x00\x00\x00\x00\x00\x00\x00\xc0\x00\x00\x00\
            \x00\x00\x00\x0a@";
    // np.asfortranarray(np.arange(6, dtype='<f4').reshape(2, 3))
    const NUMPY_F32_FORTRAN: &[u8] = b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }                                                           \
            \x0a\x00\x00\x00\x00\x00\x00@@\x00\x00\x80?\x00\x00\x80@\x00\x00\x00@\x00\x00\
            \xa0@";
    // np.array([[1.0, 2.0], [3.0, 4.0]], dtype='>f8')
    const NUMPY_F64_BIG_ENDIAN: &[u8] = b"\x93NUMPY\x01\x00v\x00{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }                                                          \
            \x0a?\xf0\x00\x00\x00\x00\x00\x00@\x00\x00\x00\x00\x00\x00\x00@\x08\x00\x00\x00\
            \x00\x00\x00@\x10\x00\x00\x00\x00\x00\x00";
    // np.array([1, 2], dtype='<i8')
    const NUMPY_I64: &[u8] = b"\x93NUMPY\x01\x00v\x00{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }                                                            \
            \x0a\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00";

    #[test]
    fn three_dimensional_arrays_round_trip() {
        let a = Array::with_shape(vec![2, 3, 4], (0..24).map(f64::from).collect()).unwrap();
        let back = from_bytes(&to_bytes(&a)).unwrap();
        assert_eq!(back.shape(), &[2, 3, 4]);
        assert_eq!(back.data(), a.data());
    }

    #[test]
    fn round_trips_1d_and_2d() {
        let v = Array::vector(vec![0.1, -1e-300, f64::INFINITY, 7.0]);
        let m = Array::matrix(2, 3, (0..6).map(f64::from).collect()).unwrap();
        let e = Array::matrix(0, 4, vec![]).unwrap();
        for a in [v, m, e] {
            let bytes = to_bytes(&a);
            assert_eq!(bytes[8..10], [0x76, 0], "header padded like NumPy's");
            assert_eq!((bytes.len() - 8 * a.data().len()) % ALIGN, 0);
            assert_eq!(from_bytes(&bytes).unwrap(), a);
        }
    }

    #[test]
    fn writes_numpys_layout() {
        // Byte for byte what NumPy 2.4 wrote for the same array.
        let ours = to_bytes(&Array::vector(vec![1.5, -2.0, 3.25]));
        assert_eq!(ours, NUMPY_F64);
    }

    #[test]
    fn reads_numpy_files() {
        assert_eq!(from_bytes(NUMPY_F64).unwrap().data(), [1.5, -2.0, 3.25]);
        let f = from_bytes(NUMPY_F32_FORTRAN).unwrap();
        assert_eq!(f.shape(), [2, 3]);
        assert_eq!(f.data(), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        let b = from_bytes(NUMPY_F64_BIG_ENDIAN).unwrap();
        assert_eq!(
            (b.shape(), b.data()),
            (&[2, 2][..], &[1.0, 2.0, 3.0, 4.0][..])
        );
    }

    fn error(bytes: &[u8]) -> String {
        from_bytes(bytes).unwrap_err().to_string()
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        assert!(error(NUMPY_I64).contains("dtype '<i8'"));
        assert!(error(b"PK\x03\x04 not npy").contains("magic"));
        assert!(error(b"").contains("magic"));
        // Every truncation of a valid file is an error.
        for n in 0..NUMPY_F64.len() {
            assert!(from_bytes(&NUMPY_F64[..n]).is_err(), "cut at {n}");
        }
        assert!(error(&NUMPY_F64[..NUMPY_F64.len() - 1]).contains("truncated"));
        let header = |h: &str| {
            let mut b = MAGIC.to_vec();
            b.extend_from_slice(&[1, 0, h.len() as u8, 0]);
            b.extend_from_slice(h.as_bytes());
            error(&b)
        };
        assert!(
            header("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2, 2), }")
                .contains("3-D Fortran-order")
        );
        assert!(header("{'descr': '<f8', 'fortran_order': False, 'shape': (), }").contains("0-D"));
        assert!(header("{'descr': [('a', '<f8')], 'shape': (1,)}").contains("structured"));
        assert!(header("{'descr': '<f8', 'shape': (1,)}").contains("fortran_order"));
        assert!(
            header("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,)}")
                .contains("True or False")
        );
        assert!(
            header("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}")
                .contains("dimension")
        );
        assert!(header(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999, 99999999999)}"
        )
        .contains("too large"));
        assert!(header("{'descr': '<f8").contains("unterminated"));
        assert!(header("{'descr': 'é', 'fortran_order': False, 'shape': (1,)}").contains("dtype"));
    }

    #[test]
    fn mutated_files_never_panic() {
        for original in [NUMPY_F64, NUMPY_F32_FORTRAN] {
            for bytes in crate::output::tests::mutations(original, 2000) {
                let _ = from_bytes(&bytes);
            }
        }
    }

    #[test]
    fn reading_names_the_file() {
        let err = read(Path::new("/nonexistent/u.npy")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent/u.npy: cannot read"),
            "{err}"
        );
    }
}
