//! NumPy's `.npz` format: a ZIP archive holding one `name.npy` member per array. Written
//! uncompressed (what `np.savez` does); read whether stored or deflated
//! (`np.savez_compressed`), with each member decoded by `npy`.

use super::{atomic_write, npy, read_file, zip, Array, ErrorKind, OutputError};
use std::collections::HashSet;
use std::path::Path;

/// Encode named arrays as a complete `.npz` file. Names must be non-empty, unique, and free
/// of path separators, since each becomes a file name inside the archive.
pub fn to_bytes(arrays: &[(&str, &Array)]) -> Result<Vec<u8>, ErrorKind> {
    let mut seen = HashSet::new();
    let mut members = Vec::with_capacity(arrays.len());
    for &(name, array) in arrays {
        check_name(name)?;
        if !seen.insert(name) {
            return Err(ErrorKind::Invalid(format!("two arrays are named `{name}`")));
        }
        members.push((format!("{name}.npy"), npy::to_bytes(array)));
    }
    zip::store(&members)
}

fn check_name(name: &str) -> Result<(), ErrorKind> {
    if name.is_empty() || name.contains(['/', '\\', '\0']) {
        return Err(ErrorKind::Invalid(format!(
            "`{name}` cannot name an array in an .npz (it must be non-empty, without / \\ or NUL)"
        )));
    }
    Ok(())
}

/// Write named arrays to `path` atomically.
pub fn write(path: &Path, arrays: &[(&str, &Array)]) -> Result<(), OutputError> {
    let bytes = to_bytes(arrays).map_err(|e| e.at(path))?;
    atomic_write(path, &bytes)
}

/// Read an `.npz` file: its arrays with their names, in archive order.
pub fn read(path: &Path) -> Result<Vec<(String, Array)>, OutputError> {
    from_bytes(&read_file(path)?).map_err(|e| e.at(path))
}

/// Decode a complete `.npz` file held in memory.
pub fn from_bytes(bytes: &[u8]) -> Result<Vec<(String, Array)>, ErrorKind> {
    zip::extract(bytes)?
        .into_iter()
        .map(|(member, data)| {
            let Some(name) = member.strip_suffix(".npy") else {
                return Err(ErrorKind::Unsupported(format!(
                    "archive member `{member}` is not an .npy array"
                )));
            };
            let array = npy::from_bytes(&data).map_err(|e| in_member(&member, e))?;
            Ok((name.to_string(), array))
        })
        .collect()
}

/// Say which member a decoding error came from.
fn in_member(member: &str, e: ErrorKind) -> ErrorKind {
    match e {
        ErrorKind::Malformed(m) => ErrorKind::Malformed(format!("member `{member}`: {m}")),
        ErrorKind::Unsupported(m) => ErrorKind::Unsupported(format!("member `{member}`: {m}")),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Written by NumPy 2.4: np.savez_compressed(f, t=np.array([0.0, 0.5, 1.0]),
    // u=np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])) -- deflated members whose local
    // headers carry ZIP64 extras and placeholder sizes.
    const NUMPY_COMPRESSED: &[u8] =
        b"PK\x03\x04-\x00\x00\x00\x08\x00\x00\x00!\x00\xdc-I\xd8\xff\xff\xff\xff\xff\xff\xff\
            \xff\x05\x00\x14\x00t.npy\x01\x00\x10\x00\x98\x00\x00\x00\x00\x00\x00\x00M\x00\
            \x00\x00\x00\x00\x00\x00\x9b\xec\x17\xea\x1b\x10\xc9\xc8P\xc6P\xad\x9e\x92Z\x9c\
            \\\xa4n\xa5\xa0n\x93f\xa1\xae\xa3\xa0\x9e\x96_TR\x94\x98\x17\x9f_\x94\x92\x0a\
            \x12wK\xcc)N\x05\x8a\x17g$\x16\xa4\x02\xf9\x1a\xc6:\x9a:\x0a\xb5\x0a\x14\x00.\
            \x06\x14\xf0\xc0\x1eB\x7f\xb0\x07\x00PK\x03\x04-\x00\x00\x00\x08\x00\x00\x00!\
            \x00G\xaf\xe6\xa8\xff\xff\xff\xff\xff\xff\xff\xff\x05\x00\x14\x00u.npy\x01\x00\
            \x10\x00\xb0\x00\x00\x00\x00\x00\x00\x00Z\x00\x00\x00\x00\x00\x00\x00\x9b\xec\
            \x17\xea\x1b\x10\xc9\xc8P\xc6P\xad\x9e\x92Z\x9c\\\xa4n\xa5\xa0n\x93f\xa1\xae\xa3\
            \xa0\x9e\x96_TR\x94\x98\x17\x9f_\x94\x92\x0a\x12wK\xcc)N\x05\x8a\x17g$\x16\xa4\
            \x02\xf9\x1a\xc6:\x0aF\x9a:\x0a\xb5\x0ad\x03.\x060\xf8`\x0f\xa1\x19\x1c \x14\x07\
            \x94\x16\x80\xd2\"PZ\xc2\x01\x00PK\x01\x02-\x03-\x00\x00\x00\x08\x00\x00\x00!\
            \x00\xdc-I\xd8M\x00\x00\x00\x98\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\
            \x00\x00\x00\x80\x01\x00\x00\x00\x00t.npyPK\x01\x02-\x03-\x00\x00\x00\x08\x00\
            \x00\x00!\x00G\xaf\xe6\xa8Z\x00\x00\x00\xb0\x00\x00\x00\x05\x00\x00\x00\x00\x00\
            \x00\x00\x00\x00\x00\x00\x80\x01\x84\x00\x00\x00u.npyPK\x05\x06\x00\x00\x00\x00\
            \x02\x00\x02\x00f\x00\x00\x00\x15\x01\x00\x00\x00\x00";
    // np.savez(f, x=np.array([7.0, 8.0])): stored, also with ZIP64 local extras.
    const NUMPY_STORED: &[u8] =
        b"PK\x03\x04-\x00\x00\x00\x00\x00\x00\x00!\x00=\x9e\xea(\xff\xff\xff\xff\xff\xff\xff\
            \xff\x05\x00\x14\x00x.npy\x01\x00\x10\x00\x90\x00\x00\x00\x00\x00\x00\x00\x90\
            \x00\x00\x00\x00\x00\x00\x00\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_orde\
            r': False, 'shape': (2,), }                                                            \
            \x0a\x00\x00\x00\x00\x00\x00\x1c@\x00\x00\x00\x00\x00\x00 @PK\x01\x02-\x03-\x00\
            \x00\x00\x00\x00\x00\x00!\x00=\x9e\xea(\x90\x00\x00\x00\x90\x00\x00\x00\x05\x00\
            \x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00\x00\x00x.npyPK\x05\x06\
            \x00\x00\x00\x00\x01\x00\x01\x003\x00\x00\x00\xc7\x00\x00\x00\x00\x00";

    #[test]
    fn round_trips() {
        let t = Array::vector(vec![0.0, 0.5, 1.0]);
        let u = Array::matrix(3, 2, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let bytes = to_bytes(&[("t", &t), ("u", &u)]).unwrap();
        let back = from_bytes(&bytes).unwrap();
        assert_eq!(back, vec![("t".to_string(), t), ("u".to_string(), u)]);
    }

    #[test]
    fn reads_numpy_archives() {
        let arrays = from_bytes(NUMPY_COMPRESSED).unwrap();
        assert_eq!(arrays.len(), 2);
        assert_eq!(
            (arrays[0].0.as_str(), arrays[0].1.data()),
            ("t", &[0.0, 0.5, 1.0][..])
        );
        assert_eq!(arrays[1].0, "u");
        assert_eq!(arrays[1].1.shape(), [3, 2]);
        assert_eq!(arrays[1].1.row(2), [5.0, 6.0]);
        let stored = from_bytes(NUMPY_STORED).unwrap();
        assert_eq!(
            stored,
            vec![("x".to_string(), Array::vector(vec![7.0, 8.0]))]
        );
    }

    #[test]
    fn bad_names_and_archives_are_errors() {
        let a = Array::vector(vec![1.0]);
        assert!(to_bytes(&[("a", &a), ("a", &a)]).is_err());
        assert!(to_bytes(&[("", &a)]).is_err());
        assert!(to_bytes(&[("x/y", &a)]).is_err());
        for n in 0..NUMPY_COMPRESSED.len() {
            assert!(from_bytes(&NUMPY_COMPRESSED[..n]).is_err(), "cut at {n}");
        }
        let mut corrupt = NUMPY_COMPRESSED.to_vec();
        corrupt[80] ^= 0xff; // inside t.npy's deflate stream
        assert!(from_bytes(&corrupt).is_err());
        let not_npy = zip::store(&[("notes.txt".to_string(), b"hi".to_vec())]).unwrap();
        assert!(from_bytes(&not_npy)
            .unwrap_err()
            .to_string()
            .contains("notes.txt"));
        let bad_member = zip::store(&[("x.npy".to_string(), b"junk".to_vec())]).unwrap();
        let err = from_bytes(&bad_member).unwrap_err().to_string();
        assert!(err.contains("x.npy") && err.contains("magic"), "{err}");
    }

    #[test]
    fn mutated_archives_never_panic() {
        for original in [NUMPY_COMPRESSED, NUMPY_STORED] {
            for bytes in crate::output::tests::mutations(original, 2000) {
                let _ = from_bytes(&bytes);
            }
        }
    }

    #[test]
    fn files_round_trip() {
        let dir = crate::output::tests::scratch("npz");
        let path = dir.join("result.npz");
        let a = Array::vector(vec![1.0, 2.0]);
        write(&path, &[("a", &a)]).unwrap();
        assert_eq!(read(&path).unwrap(), vec![("a".to_string(), a)]);
        std::fs::write(&path, b"garbage").unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.starts_with(&path.display().to_string()), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
