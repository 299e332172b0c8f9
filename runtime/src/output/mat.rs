//! MATLAB's level-5 `.mat` format (what `save` writes by default, `-v6` and `-v7`), read
//! only: reference solutions of the PINN literature (Raissi's and DeepXDE's data sets) are
//! published as `.mat` files. Real numeric arrays of any class come back as f64 arrays in
//! row-major order (MATLAB stores column-major); compressed variables (`-v7`) are inflated.
//! Cells, structs, strings, sparse and complex arrays are skipped, since such files often
//! carry them beside the arrays a reference needs. Version 7.3 files are HDF5 and are
//! refused with a hint, as are version 4 files.

use super::{read_file, Array, ErrorKind, OutputError};
use std::path::Path;

/// Bytes of the text header, subsystem offset, version and endian indicator.
const HEADER: usize = 128;
/// Data types of the element tags (MAT-file format, table 1-1).
const MI_INT8: u32 = 1;
const MI_UINT32: u32 = 6;
const MI_INT32: u32 = 5;
const MI_MATRIX: u32 = 14;
const MI_COMPRESSED: u32 = 15;
/// Array-flags bit of a complex array.
const COMPLEX: u32 = 0x0800;
/// Classes 6 (double) to 15 (uint64) are numeric.
const NUMERIC_CLASSES: std::ops::RangeInclusive<u32> = 6..=15;
/// The most bytes a compressed variable may inflate to: a guard against corrupt lengths.
const MAX_INFLATED: usize = 1 << 34;

/// Read a `.mat` file: its real numeric arrays with their names, in file order.
pub fn read(path: &Path) -> Result<Vec<(String, Array)>, OutputError> {
    from_bytes(&read_file(path)?).map_err(|e| e.at(path))
}

/// Decode a complete level-5 `.mat` file held in memory.
pub fn from_bytes(bytes: &[u8]) -> Result<Vec<(String, Array)>, ErrorKind> {
    if bytes.len() < HEADER {
        return Err(ErrorKind::Malformed(format!(
            "{} bytes, shorter than the 128-byte header of a .mat file",
            bytes.len()
        )));
    }
    let text = String::from_utf8_lossy(&bytes[..116]);
    if text.starts_with("MATLAB 7.3") {
        return Err(ErrorKind::Unsupported(
            "a MATLAB 7.3 file (HDF5); save it with `save(…, '-v7')` or as .npz".into(),
        ));
    }
    let big_endian =
        match &bytes[126..128] {
            b"IM" => false,
            b"MI" => true,
            _ => return Err(ErrorKind::Unsupported(
                "not a level-5 .mat file (no `MATLAB 5.0` header); version 4 files are not read"
                    .into(),
            )),
        };
    let reader = Reader { big_endian };
    let mut arrays = Vec::new();
    reader.elements(&bytes[HEADER..], &mut arrays)?;
    Ok(arrays)
}

#[derive(Clone, Copy)]
struct Reader {
    big_endian: bool,
}

/// One data element: its type and its bytes (without padding).
struct Element<'a> {
    kind: u32,
    data: &'a [u8],
}

impl Reader {
    fn u32_at(self, bytes: &[u8], at: usize) -> u32 {
        let b: [u8; 4] = bytes[at..at + 4].try_into().expect("four bytes");
        if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }
    }

    /// The element at the start of `bytes` and the offset of the next one.
    fn element<'a>(self, bytes: &'a [u8]) -> Result<(Element<'a>, usize), ErrorKind> {
        if bytes.len() < 8 {
            return Err(ErrorKind::Malformed(format!(
                "a data element's tag is cut off ({} bytes left)",
                bytes.len()
            )));
        }
        let first = self.u32_at(bytes, 0);
        // Small data element: type and size packed in the first word, data in the second.
        if first >> 16 != 0 {
            let size = (first >> 16) as usize;
            if size > 4 {
                return Err(ErrorKind::Malformed(format!(
                    "a small data element claims {size} bytes (at most 4)"
                )));
            }
            let data = &bytes[4..4 + size];
            return Ok((
                Element {
                    kind: first & 0xffff,
                    data,
                },
                8,
            ));
        }
        let size = self.u32_at(bytes, 4) as usize;
        let end = 8usize
            .checked_add(size)
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| {
                ErrorKind::Malformed(format!(
                    "a data element of {size} bytes runs past the end of the file ({} bytes left)",
                    bytes.len() - 8
                ))
            })?;
        // Compressed elements are not padded; every other one is padded to 8 bytes.
        let next = if first == MI_COMPRESSED {
            end
        } else {
            end.div_ceil(8) * 8
        };
        Ok((
            Element {
                kind: first,
                data: &bytes[8..end],
            },
            next.min(bytes.len()),
        ))
    }

    /// The top-level elements of `bytes`, each a variable (compressed or not).
    fn elements(
        self,
        mut bytes: &[u8],
        arrays: &mut Vec<(String, Array)>,
    ) -> Result<(), ErrorKind> {
        while !bytes.is_empty() {
            let (element, next) = self.element(bytes)?;
            match element.kind {
                MI_COMPRESSED => {
                    let inflated = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(
                        element.data,
                        MAX_INFLATED,
                    )
                    .map_err(|e| {
                        ErrorKind::Malformed(format!(
                            "a compressed variable does not inflate: {e:?}"
                        ))
                    })?;
                    self.elements(&inflated, arrays)?;
                }
                MI_MATRIX => {
                    if let Some(array) = self.matrix(element.data)? {
                        arrays.push(array);
                    }
                }
                // Other top-level elements (none are written by MATLAB) carry no variable.
                _ => {}
            }
            bytes = &bytes[next..];
        }
        Ok(())
    }

    /// A variable, or `None` when it is not a real numeric array.
    fn matrix(self, bytes: &[u8]) -> Result<Option<(String, Array)>, ErrorKind> {
        if bytes.is_empty() {
            return Ok(None); // an empty miMATRIX is an empty cell element
        }
        let (flags, next) = self.element(bytes)?;
        if flags.kind != MI_UINT32 || flags.data.len() < 4 {
            return Err(ErrorKind::Malformed(
                "a variable does not start with its array flags".into(),
            ));
        }
        let flags = self.u32_at(flags.data, 0);
        let class = flags & 0xff;
        let bytes = &bytes[next..];
        let (dims, next) = self.element(bytes)?;
        if dims.kind != MI_INT32 || !dims.data.len().is_multiple_of(4) || dims.data.is_empty() {
            return Err(ErrorKind::Malformed(
                "a variable's dimensions are not a list of int32".into(),
            ));
        }
        let shape: Vec<usize> = (0..dims.data.len() / 4)
            .map(|i| self.u32_at(dims.data, 4 * i) as i32)
            .map(|d| {
                usize::try_from(d)
                    .map_err(|_| ErrorKind::Malformed(format!("a negative dimension {d}")))
            })
            .collect::<Result<_, _>>()?;
        let bytes = &bytes[next..];
        let (name, next) = self.element(bytes)?;
        if name.kind != MI_INT8 {
            return Err(ErrorKind::Malformed("a variable's name is not text".into()));
        }
        let name = String::from_utf8_lossy(name.data).into_owned();
        if !NUMERIC_CLASSES.contains(&class) || flags & COMPLEX != 0 {
            return Ok(None);
        }
        let (real, _) = self.element(&bytes[next..])?;
        let count = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or_else(|| ErrorKind::Malformed(format!("`{name}`: the dimensions overflow")))?;
        let values = self.numbers(real).map_err(|e| in_variable(&name, e))?;
        if values.len() != count {
            return Err(ErrorKind::Malformed(format!(
                "`{name}` has {} values for dimensions {shape:?}",
                values.len()
            )));
        }
        let array = Array::with_shape(shape.clone(), row_major(&values, &shape))
            .map_err(|e| in_variable(&name, e))?;
        Ok(Some((name, array)))
    }

    /// The numbers of a numeric element as f64 (MATLAB stores doubles as smaller integer
    /// types when their values allow).
    fn numbers(self, element: Element) -> Result<Vec<f64>, ErrorKind> {
        let width = match element.kind {
            1 | 2 => 1,
            3 | 4 => 2,
            5..=7 => 4,
            9 | 12 | 13 => 8,
            other => {
                return Err(ErrorKind::Unsupported(format!(
                    "numeric data of MAT type {other}"
                )))
            }
        };
        if !element.data.len().is_multiple_of(width) {
            return Err(ErrorKind::Malformed(format!(
                "{} bytes of data are not a whole number of {width}-byte values",
                element.data.len()
            )));
        }
        let big = self.big_endian;
        Ok(element
            .data
            .chunks_exact(width)
            .map(|c| {
                let mut b = [0u8; 8];
                if big {
                    b[8 - width..].copy_from_slice(c);
                    b.reverse();
                } else {
                    b[..width].copy_from_slice(c);
                }
                let bits = u64::from_le_bytes(b);
                let signed = |bits_wide: u32| {
                    let shift = 64 - bits_wide;
                    ((bits << shift) as i64 >> shift) as f64
                };
                match element.kind {
                    1 => signed(8),
                    3 => signed(16),
                    5 => signed(32),
                    12 => bits as i64 as f64,
                    7 => f32::from_bits(bits as u32) as f64,
                    9 => f64::from_bits(bits),
                    _ => bits as f64, // unsigned
                }
            })
            .collect())
    }
}

fn in_variable(name: &str, e: ErrorKind) -> ErrorKind {
    match e {
        ErrorKind::Malformed(m) => ErrorKind::Malformed(format!("`{name}`: {m}")),
        ErrorKind::Unsupported(m) => ErrorKind::Unsupported(format!("`{name}`: {m}")),
        other => other,
    }
}

/// Column-major values of an array of `shape` in row-major order.
fn row_major(values: &[f64], shape: &[usize]) -> Vec<f64> {
    let mut out = vec![0.0; values.len()];
    let mut index = vec![0usize; shape.len()];
    for &v in values {
        // `index` walks in column-major order; its row-major offset is where `v` goes.
        let offset = index.iter().zip(shape).fold(0, |acc, (&i, &d)| acc * d + i);
        out[offset] = v;
        for (i, &d) in index.iter_mut().zip(shape) {
            *i += 1;
            if *i < d {
                break;
            }
            *i = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A level-5 file built by hand, little- or big-endian: `x` a 2 × 3 double matrix,
    /// `n` an int16-stored double row, a char array `s` (skipped), and, when `compress`,
    /// `x` inside a zlib stream as `-v7` writes it.
    fn file(big: bool, compress: bool) -> Vec<u8> {
        let w32 = |v: u32| {
            if big {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let element = |kind: u32, data: &[u8]| {
            let mut out = Vec::new();
            out.extend(w32(kind));
            out.extend(w32(data.len() as u32));
            out.extend(data);
            while out.len() % 8 != 0 {
                out.push(0);
            }
            out
        };
        let matrix = |class: u32, dims: &[i32], name: &str, kind: u32, data: Vec<u8>| {
            let mut body = element(6, &[w32(class), w32(0)].concat());
            let dims: Vec<u8> = dims.iter().flat_map(|&d| w32(d as u32)).collect();
            body.extend(element(5, &dims));
            body.extend(element(1, name.as_bytes()));
            body.extend(element(kind, &data));
            element(14, &body)
        };
        let f64s = |v: &[f64]| -> Vec<u8> {
            v.iter()
                .flat_map(|x| {
                    if big {
                        x.to_be_bytes()
                    } else {
                        x.to_le_bytes()
                    }
                })
                .collect()
        };
        // Column-major [[1, 2, 3], [4, 5, 6]].
        let x = matrix(6, &[2, 3], "x", 9, f64s(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
        let i16s: Vec<u8> = [-2i16, 7]
            .iter()
            .flat_map(|v| {
                if big {
                    v.to_be_bytes()
                } else {
                    v.to_le_bytes()
                }
            })
            .collect();
        let n = matrix(6, &[1, 2], "n", 3, i16s);
        let s = matrix(4, &[1, 2], "s", 4, vec![0, 104, 0, 105]);
        let mut out = vec![b' '; 116];
        out[..10].copy_from_slice(b"MATLAB 5.0");
        out.extend([0u8; 8]);
        out.extend(if big { [1u8, 0] } else { [0u8, 1] });
        out.extend(if big { b"MI" } else { b"IM" });
        if compress {
            let z = miniz_oxide::deflate::compress_to_vec_zlib(&x, 6);
            out.extend(w32(MI_COMPRESSED));
            out.extend(w32(z.len() as u32));
            out.extend(z);
        } else {
            out.extend(x);
        }
        out.extend(n);
        out.extend(s);
        out
    }

    #[test]
    fn reads_doubles_integers_and_compressed_variables_in_row_major_order() {
        for big in [false, true] {
            for compress in [false, true] {
                let arrays = from_bytes(&file(big, compress)).unwrap();
                let names: Vec<&str> = arrays.iter().map(|(n, _)| n.as_str()).collect();
                assert_eq!(names, ["x", "n"], "big {big} compress {compress}");
                assert_eq!(arrays[0].1.shape(), &[2, 3]);
                assert_eq!(arrays[0].1.data(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
                assert_eq!(arrays[1].1.data(), &[-2.0, 7.0]);
            }
        }
    }

    #[test]
    fn three_dimensional_arrays_are_reordered() {
        // shape (2, 3, 2): column-major index i + 2 j + 6 k holds 100 i + 10 j + k.
        let shape = [2, 3, 2];
        let mut values = vec![0.0; 12];
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..2 {
                    values[i + 2 * j + 6 * k] = (100 * i + 10 * j + k) as f64;
                }
            }
        }
        let rows = row_major(&values, &shape);
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..2 {
                    assert_eq!(rows[(i * 3 + j) * 2 + k], (100 * i + 10 * j + k) as f64);
                }
            }
        }
    }

    #[test]
    fn bad_files_are_errors_not_panics() {
        let good = file(false, true);
        assert!(matches!(
            from_bytes(&good[..50]),
            Err(ErrorKind::Malformed(_))
        ));
        // Every truncation of a valid file is an error or a shorter list, never a panic.
        for cut in HEADER..good.len() {
            let _ = from_bytes(&good[..cut]);
        }
        let mut v73 = good.clone();
        v73[..10].copy_from_slice(b"MATLAB 7.3");
        let e = from_bytes(&v73).unwrap_err().to_string();
        assert!(e.contains("HDF5"), "{e}");
        let mut v4 = good.clone();
        v4[126..128].copy_from_slice(b"\0\0");
        assert!(matches!(from_bytes(&v4), Err(ErrorKind::Unsupported(_))));
        // A corrupt zlib stream.
        let mut corrupt = good;
        corrupt[HEADER + 20] ^= 0xff;
        assert!(from_bytes(&corrupt).is_err());
    }
}
