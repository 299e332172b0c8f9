//! Tables as CSV: a header row of column names, then one row per sample. Values are written
//! in Rust's shortest round-trip form, switching to exponent notation for very large or
//! small magnitudes (`1e-7`, not `0.0000001`), so reading a file back gives the exact f64s;
//! non-finite values appear as `NaN`, `inf` and `-inf`, which NumPy and pandas accept.

use super::{atomic_write, ErrorKind, OutputError};
use std::fmt::Write;
use std::path::Path;

/// Encode named, equally long columns as CSV text.
pub fn to_string(columns: &[(&str, &[f64])]) -> Result<String, ErrorKind> {
    let Some(&(first, column)) = columns.first() else {
        return Err(ErrorKind::Invalid(
            "a CSV table needs at least one column".to_string(),
        ));
    };
    let rows = column.len();
    if let Some((name, c)) = columns.iter().find(|(_, c)| c.len() != rows) {
        return Err(ErrorKind::Invalid(format!(
            "column `{name}` has {} values, but column `{first}` has {rows}",
            c.len()
        )));
    }
    let header: Vec<String> = columns.iter().map(|(name, _)| quote(name)).collect();
    let mut out = header.join(",");
    out.push('\n');
    for i in 0..rows {
        for (k, (_, c)) in columns.iter().enumerate() {
            let sep = if k == 0 { "" } else { "," };
            write!(out, "{sep}{:?}", c[i]).expect("writing to a String");
        }
        out.push('\n');
    }
    Ok(out)
}

/// A header field, quoted as RFC 4180 asks when it holds a comma, quote or line break.
fn quote(name: &str) -> String {
    if name.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_string()
    }
}

/// Write named, equally long columns to `path` atomically.
pub fn write(path: &Path, columns: &[(&str, &[f64])]) -> Result<(), OutputError> {
    let text = to_string(columns).map_err(|e| e.at(path))?;
    atomic_write(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_header_and_rows() {
        let t = [0.0, 0.1, 1e-7];
        let x = [1.0, f64::NAN, -2.5e300];
        let text = to_string(&[("t", &t), ("x, \"pos\"", &x)]).unwrap();
        assert_eq!(
            text,
            "t,\"x, \"\"pos\"\"\"\n0.0,1.0\n0.1,NaN\n1e-7,-2.5e300\n"
        );
        for line in text.lines().skip(1) {
            for field in line.split(',') {
                assert!(field.parse::<f64>().is_ok(), "{field} reads back");
            }
        }
    }

    #[test]
    fn refuses_ragged_or_empty_tables() {
        let err = to_string(&[("a", &[1.0][..]), ("b", &[][..])]).unwrap_err();
        assert!(err.to_string().contains("column `b` has 0 values"), "{err}");
        assert!(to_string(&[]).is_err());
        let dir = crate::output::tests::scratch("csv");
        let path = dir.join("t.csv");
        assert!(write(&path, &[]).unwrap_err().to_string().contains("t.csv"));
        write(&path, &[("a", &[2.0][..])]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a\n2.0\n");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
