//! Fields on tensor grids as VTK legacy files that ParaView and VisIt open: a binary
//! RECTILINEAR_GRID (format version 3.0, which every VTK reader accepts) with one named
//! scalar per field. It owns the translation from physc's row-major layout (first axis
//! slowest) to VTK's point order (x fastest).

use super::{atomic_write, ErrorKind, OutputError};
use std::collections::HashSet;
use std::io;
use std::path::Path;

/// Write a binary (big-endian float64) VTK legacy RECTILINEAR_GRID file.
///
/// `axes` are 1 to 3 named coordinate vectors, strictly increasing; they become VTK's x,
/// y and z in the order given, and missing ones have one point at coordinate 0. Each field
/// holds one value per grid point, laid out row-major over the axes in the order given
/// (first axis slowest, as NumPy's `u[i, j]`). Field names become VTK array names with
/// anything but printable non-space ASCII replaced by `_`. The file is written atomically.
///
/// Errors with `InvalidInput` (nothing is written) for no axes or more than 3, an empty or
/// non-increasing axis, a non-finite coordinate, a field of the wrong length, or an empty
/// or repeated field name.
pub fn write_rectilinear(
    path: &Path,
    axes: &[(&str, &[f64])],
    fields: &[(&str, &[f64])],
) -> io::Result<()> {
    let bytes = to_bytes(axes, fields).map_err(invalid)?;
    atomic_write(path, &bytes).map_err(into_io)
}

/// The complete file, or what is wrong with the request.
fn to_bytes(axes: &[(&str, &[f64])], fields: &[(&str, &[f64])]) -> Result<Vec<u8>, String> {
    let dims = check_axes(axes)?;
    let field_names = check_fields(fields, axes, &dims)?;
    let names: Vec<String> = axes.iter().map(|(name, _)| sanitise(name)).collect();
    let mut title = format!("physc rectilinear grid, axes {}", names.join(" "));
    // The format allows 256 characters; sanitised names are ASCII, so this cuts no char.
    title.truncate(255);
    let mut out = format!(
        "# vtk DataFile Version 3.0\n{title}\nBINARY\n\
         DATASET RECTILINEAR_GRID\nDIMENSIONS {} {} {}\n",
        dims[0], dims[1], dims[2]
    )
    .into_bytes();
    for (k, label) in ["X", "Y", "Z"].iter().enumerate() {
        let coords = axes.get(k).map_or(&[0.0][..], |(_, c)| c);
        out.extend(format!("{label}_COORDINATES {} double\n", coords.len()).bytes());
        push_big_endian(&mut out, coords.iter().copied());
    }
    if !fields.is_empty() {
        out.extend(format!("POINT_DATA {}\n", dims.iter().product::<usize>()).bytes());
    }
    for (name, (_, values)) in field_names.iter().zip(fields) {
        out.extend(format!("SCALARS {name} double 1\nLOOKUP_TABLE default\n").bytes());
        push_big_endian(&mut out, vtk_order(values, dims));
    }
    Ok(out)
}

/// Grid dimensions padded to three, after checking the axes.
fn check_axes(axes: &[(&str, &[f64])]) -> Result<[usize; 3], String> {
    if axes.is_empty() || axes.len() > 3 {
        return Err(format!(
            "a rectilinear grid has 1 to 3 axes, not {}",
            axes.len()
        ));
    }
    let mut dims = [1; 3];
    for (k, &(name, coords)) in axes.iter().enumerate() {
        if coords.is_empty() {
            return Err(format!("axis `{name}` has no coordinates"));
        }
        if coords.iter().any(|c| !c.is_finite()) || coords.windows(2).any(|w| w[0] >= w[1]) {
            // Readers locate points by these; out-of-order ones draw a folded grid.
            return Err(format!(
                "axis `{name}` must be finite and strictly increasing"
            ));
        }
        dims[k] = coords.len();
    }
    // Sizes that overflow cannot match any field, but must not wrap around.
    dims.iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| "the grid has more points than memory can hold".to_string())?;
    Ok(dims)
}

/// The sanitised names, after checking each field fits the grid.
fn check_fields(
    fields: &[(&str, &[f64])],
    axes: &[(&str, &[f64])],
    dims: &[usize; 3],
) -> Result<Vec<String>, String> {
    let points: usize = dims.iter().product();
    let mut seen = HashSet::new();
    let mut names = Vec::with_capacity(fields.len());
    for &(name, values) in fields {
        if values.len() != points {
            let shape: Vec<String> = axes
                .iter()
                .map(|(a, c)| format!("{a} ({})", c.len()))
                .collect();
            return Err(format!(
                "field `{name}` has {} values, but the grid {} has {points} points",
                values.len(),
                shape.join(" × ")
            ));
        }
        let clean = sanitise(name);
        if clean.is_empty() || !seen.insert(clean.clone()) {
            return Err(format!(
                "field name `{name}` is empty or repeats another (as `{clean}`)"
            ));
        }
        names.push(clean);
    }
    Ok(names)
}

/// VTK names are single whitespace-free tokens on a text line.
fn sanitise(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect()
}

/// The values of a row-major field (first axis slowest) in VTK's order (first axis
/// fastest): the index (i, j, k) moves from ((i·ny + j)·nz + k) to (i + nx·(j + ny·k)).
fn vtk_order(values: &[f64], [nx, ny, nz]: [usize; 3]) -> impl Iterator<Item = f64> + '_ {
    (0..nz).flat_map(move |k| {
        (0..ny).flat_map(move |j| (0..nx).map(move |i| values[(i * ny + j) * nz + k]))
    })
}

/// Binary sections are raw big-endian doubles ended by a newline, as VTK's own writer
/// leaves them.
fn push_big_endian(out: &mut Vec<u8>, values: impl Iterator<Item = f64>) {
    for v in values {
        out.extend_from_slice(&v.to_be_bytes());
    }
    out.push(b'\n');
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message)
}

/// Keep the operating system's error kind (a full disk stays a full disk) and the message
/// naming the file.
fn into_io(e: OutputError) -> io::Error {
    let kind = match &e.kind {
        ErrorKind::Io { source, .. } => source.kind(),
        ErrorKind::Invalid(_) => io::ErrorKind::InvalidInput,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::tests::scratch;

    /// A named axis or field, as `write_rectilinear` takes them.
    type Named<'a> = (&'a str, &'a [f64]);

    /// What a reader sees in a file: the header lines, each section's numbers, and the
    /// arrays by name. A strict little parser, so a wrong count or a missing newline fails.
    struct Parsed {
        lines: Vec<String>,
        coords: Vec<Vec<f64>>,
        arrays: Vec<(String, Vec<f64>)>,
    }

    /// Reads a file front to back: text lines, and counted big-endian binary sections.
    struct Cursor<'a> {
        bytes: &'a [u8],
        at: usize,
    }

    impl Cursor<'_> {
        fn line(&mut self) -> Option<String> {
            let rest = &self.bytes[self.at..];
            let end = rest.iter().position(|&b| b == b'\n')?;
            self.at += end + 1;
            Some(String::from_utf8(rest[..end].to_vec()).unwrap())
        }

        fn doubles(&mut self, count: usize) -> Vec<f64> {
            let data = &self.bytes[self.at..self.at + 8 * count];
            assert_eq!(
                self.bytes[self.at + 8 * count],
                b'\n',
                "binary section not ended"
            );
            self.at += 8 * count + 1;
            data.chunks(8)
                .map(|c| f64::from_be_bytes(c.try_into().unwrap()))
                .collect()
        }
    }

    fn parse(bytes: &[u8]) -> Parsed {
        let mut cursor = Cursor { bytes, at: 0 };
        let mut lines: Vec<String> = (0..5).map(|_| cursor.line().unwrap()).collect();
        let dims: Vec<usize> = lines[4]
            .strip_prefix("DIMENSIONS ")
            .unwrap()
            .split(' ')
            .map(|d| d.parse().unwrap())
            .collect();
        let mut coords = Vec::new();
        for (axis, &n) in ["X", "Y", "Z"].iter().zip(&dims) {
            let header = cursor.line().unwrap();
            assert_eq!(header, format!("{axis}_COORDINATES {n} double"));
            lines.push(header);
            coords.push(cursor.doubles(n));
        }
        let points: usize = dims.iter().product();
        let mut arrays = Vec::new();
        if let Some(header) = cursor.line() {
            assert_eq!(header, format!("POINT_DATA {points}"));
            lines.push(header);
            while let Some(scalars) = cursor.line() {
                let name = scalars.strip_prefix("SCALARS ").unwrap();
                let name = name.strip_suffix(" double 1").unwrap().to_string();
                assert_eq!(cursor.line().unwrap(), "LOOKUP_TABLE default");
                lines.push(scalars);
                arrays.push((name, cursor.doubles(points)));
            }
        }
        assert_eq!(cursor.at, bytes.len(), "trailing bytes");
        Parsed {
            lines,
            coords,
            arrays,
        }
    }

    fn write_and_parse(test: &str, axes: &[(&str, &[f64])], fields: &[(&str, &[f64])]) -> Parsed {
        let dir = scratch(test);
        let path = dir.join("out/result.vtk");
        write_rectilinear(&path, axes, fields).unwrap();
        let parsed = parse(&std::fs::read(&path).unwrap());
        std::fs::remove_dir_all(dir).unwrap();
        parsed
    }

    #[test]
    fn two_axes_land_at_the_right_points() {
        let x = [0.0, 0.5, 1.0];
        let t = [0.0, 2.0];
        // u[i, j] = 10·i + j, row-major with x slowest.
        let u: Vec<f64> = (0..3)
            .flat_map(|i| (0..2).map(move |j| (10 * i + j) as f64))
            .collect();
        let v: Vec<f64> = u.iter().map(|a| -a).collect();
        let parsed = write_and_parse(
            "vtk-2d",
            &[("x", &x), ("t", &t)],
            &[("u", &u), ("my v", &v)],
        );
        assert_eq!(
            parsed.lines[..5],
            [
                "# vtk DataFile Version 3.0",
                "physc rectilinear grid, axes x t",
                "BINARY",
                "DATASET RECTILINEAR_GRID",
                "DIMENSIONS 3 2 1",
            ]
        );
        assert_eq!(parsed.coords, [x.to_vec(), t.to_vec(), vec![0.0]]);
        assert_eq!(parsed.arrays[0].0, "u");
        assert_eq!(parsed.arrays[1].0, "my_v");
        let vtk_u = &parsed.arrays[0].1;
        for i in 0..3 {
            for j in 0..2 {
                // VTK point (i, j) is at i + nx·j.
                assert_eq!(vtk_u[i + 3 * j], (10 * i + j) as f64);
                assert_eq!(parsed.arrays[1].1[i + 3 * j], -((10 * i + j) as f64));
            }
        }
    }

    #[test]
    fn three_axes_and_one_axis() {
        let (x, y, z) = ([1.0, 2.0], [0.0, 1.0, 3.0], [-1.0, 0.0, 1.0, 2.0]);
        let f = |i: usize, j: usize, k: usize| (100 * i + 10 * j + k) as f64;
        let data: Vec<f64> = (0..2)
            .flat_map(|i| (0..3).flat_map(move |j| (0..4).map(move |k| f(i, j, k))))
            .collect();
        let parsed = write_and_parse(
            "vtk-3d",
            &[("x", &x), ("y", &y), ("z", &z)],
            &[("f", &data)],
        );
        assert_eq!(parsed.lines[4], "DIMENSIONS 2 3 4");
        assert_eq!(parsed.coords, [x.to_vec(), y.to_vec(), z.to_vec()]);
        for (k, j, i) in
            (0..4).flat_map(|k| (0..3).flat_map(move |j| (0..2).map(move |i| (k, j, i))))
        {
            assert_eq!(parsed.arrays[0].1[i + 2 * (j + 3 * k)], f(i, j, k));
        }

        let line = write_and_parse("vtk-1d", &[("r", &[0.0, 1.0])], &[("p", &[5.0, 6.0])]);
        assert_eq!(line.lines[4], "DIMENSIONS 2 1 1");
        assert_eq!(line.arrays, [("p".to_string(), vec![5.0, 6.0])]);
        let long = "r".repeat(300);
        let bare = write_and_parse("vtk-bare", &[(&long, &[0.0])], &[]);
        assert!(bare.arrays.is_empty());
        assert_eq!(bare.lines[1].len(), 255);
    }

    #[test]
    fn bad_requests_are_invalid_input_and_write_nothing() {
        let dir = scratch("vtk-bad");
        let path = dir.join("bad.vtk");
        let (x, t) = ([0.0, 1.0, 2.0], [0.0, 1.0]);
        let five = [0.0; 5];
        let six = [0.0; 6];
        let cases: [(&[Named], &[Named], &str); 8] = [
            (&[("x", &x), ("t", &t)], &[("u", &five)], "5 values"),
            (&[], &[], "1 to 3 axes"),
            (
                &[("a", &x), ("b", &x), ("c", &x), ("d", &x)],
                &[],
                "1 to 3 axes",
            ),
            (&[("x", &[])], &[], "no coordinates"),
            (&[("x", &[0.0, 0.0])], &[], "increasing"),
            (&[("x", &[0.0, f64::NAN])], &[], "increasing"),
            (
                &[("x", &x), ("t", &t)],
                &[("u", &six), ("u", &six)],
                "repeats",
            ),
            (&[("x", &x), ("t", &t)], &[("", &six)], "empty"),
        ];
        for (axes, fields, message) in cases {
            let err = write_rectilinear(&path, axes, fields).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
            assert!(err.to_string().contains(message), "{err}");
        }
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
