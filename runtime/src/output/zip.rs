//! The part of ZIP that `.npz` needs. Writing stores members uncompressed (NumPy reads that,
//! and result arrays of floats barely compress). Reading goes through the central directory,
//! because NumPy writes local headers with placeholder sizes and ZIP64 extras
//! (`force_zip64`); it handles stored and deflated members (`np.savez_compressed`) and
//! checks each member's size and CRC, so a corrupt archive is an error, not bad data.

use super::ErrorKind;

const LOCAL_SIG: u32 = 0x0403_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const END_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_END_SIG: u32 = 0x0606_4b50;
const ZIP64_EXTRA_ID: u16 = 0x0001;

const STORED: u16 = 0;
const DEFLATED: u16 = 8;
/// Version 2.0: plain stored or deflated members.
const VERSION: u16 = 20;
/// Version 2.0, made on Unix, so unzip applies the permissions in `EXTERNAL_ATTRS`.
const MADE_BY: u16 = 0x0314;
const EXTERNAL_ATTRS: u32 = 0o100644 << 16;
/// Names are UTF-8.
const UTF8_FLAG: u16 = 0x0800;
const ENCRYPTED_FLAG: u16 = 0x0001;
/// 1980-01-01 00:00, the earliest DOS date: a fixed time keeps archives reproducible.
const DOS_DATE: u16 = (1 << 5) | 1;
const END_LEN: usize = 22;
const MAX_COMMENT: usize = u16::MAX as usize;

/// A ZIP archive of `(name, contents)` members, stored without compression.
pub(super) fn store(members: &[(String, Vec<u8>)]) -> Result<Vec<u8>, ErrorKind> {
    let too_big = || {
        ErrorKind::Unsupported(
            "an .npz over 4 GiB or with over 65535 arrays (ZIP64 is not written)".to_string(),
        )
    };
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in members {
        let size = u32::try_from(data.len()).map_err(|_| too_big())?;
        let offset = u32::try_from(out.len()).map_err(|_| too_big())?;
        let crc = crc32fast::hash(data);
        put32(&mut out, LOCAL_SIG);
        common_header(&mut out, crc, size, name);
        put16(&mut out, 0); // extra field length
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        put32(&mut central, CENTRAL_SIG);
        put16(&mut central, MADE_BY);
        common_header(&mut central, crc, size, name);
        // extra length, comment length, disk, internal attributes
        central.extend_from_slice(&[0; 8]);
        put32(&mut central, EXTERNAL_ATTRS);
        put32(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let count = u16::try_from(members.len()).map_err(|_| too_big())?;
    let central_offset = u32::try_from(out.len()).map_err(|_| too_big())?;
    let central_len = u32::try_from(central.len()).map_err(|_| too_big())?;
    out.extend_from_slice(&central);
    put32(&mut out, END_SIG);
    put32(&mut out, 0); // this disk, disk with the central directory
    put16(&mut out, count);
    put16(&mut out, count);
    put32(&mut out, central_len);
    put32(&mut out, central_offset);
    put16(&mut out, 0); // comment length
    Ok(out)
}

/// The fields local and central headers share, from "version needed" to the name length.
fn common_header(out: &mut Vec<u8>, crc: u32, size: u32, name: &str) {
    put16(out, VERSION);
    put16(out, UTF8_FLAG);
    put16(out, STORED);
    put16(out, 0); // time
    put16(out, DOS_DATE);
    put32(out, crc);
    put32(out, size); // compressed
    put32(out, size); // uncompressed
    put16(out, name.len() as u16);
}

fn put16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// The `(name, contents)` members of a ZIP archive, in directory order.
pub(super) fn extract(bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, ErrorKind> {
    let z = Reader(bytes);
    let (count, mut pos) = z.central_directory()?;
    let mut members = Vec::new();
    for _ in 0..count {
        let (member, next) = z.central_entry(pos)?;
        members.push((member.name.clone(), z.contents(&member)?));
        pos = next;
    }
    Ok(members)
}

/// One member as the central directory describes it.
struct Member {
    name: String,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    offset: u64,
}

fn malformed(what: impl Into<String>) -> ErrorKind {
    ErrorKind::Malformed(what.into())
}

/// Bounds-checked little-endian reads: any overrun is a truncated archive.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn slice(&self, pos: usize, len: usize) -> Result<&'a [u8], ErrorKind> {
        pos.checked_add(len)
            .and_then(|end| self.0.get(pos..end))
            .ok_or_else(|| malformed("truncated ZIP archive (a record runs past the end)"))
    }

    fn u16(&self, pos: usize) -> Result<u16, ErrorKind> {
        let b = self.slice(pos, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&self, pos: usize) -> Result<u32, ErrorKind> {
        let b = self.slice(pos, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&self, pos: usize) -> Result<u64, ErrorKind> {
        let b = self.slice(pos, 8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    /// An offset read from the archive, checked to lie inside it, so that adding a
    /// record's field offsets to it cannot overflow.
    fn position(&self, offset: u64) -> Result<usize, ErrorKind> {
        usize::try_from(offset)
            .ok()
            .filter(|&p| p < self.0.len())
            .ok_or_else(|| malformed(format!("ZIP offset {offset} lies outside the archive")))
    }

    /// Number of members and where the central directory starts, from the end record
    /// (or its ZIP64 form, which NumPy writes for huge archives).
    fn central_directory(&self) -> Result<(u64, usize), ErrorKind> {
        let end = self.find_end()?;
        let (count, offset) = (self.u16(end + 10)?, self.u32(end + 16)?);
        if count != u16::MAX && offset != u32::MAX {
            return Ok((u64::from(count), self.position(offset.into())?));
        }
        let locator = end
            .checked_sub(20)
            .filter(|&l| self.u32(l).ok() == Some(ZIP64_LOCATOR_SIG))
            .ok_or_else(|| malformed("ZIP64 end record announced but its locator is missing"))?;
        let end64 = self.position(self.u64(locator + 8)?)?;
        if self.u32(end64)? != ZIP64_END_SIG {
            return Err(malformed("bad ZIP64 end-of-central-directory record"));
        }
        Ok((self.u64(end64 + 32)?, self.position(self.u64(end64 + 48)?)?))
    }

    /// The end-of-central-directory record: the last signature within reach of the end
    /// (a trailing comment of up to 64 KiB may follow it).
    fn find_end(&self) -> Result<usize, ErrorKind> {
        let last = self.0.len().checked_sub(END_LEN).ok_or_else(|| {
            malformed("not a ZIP archive (too short for an end-of-central-directory record)")
        })?;
        let first = last.saturating_sub(MAX_COMMENT);
        (first..=last)
            .rev()
            .find(|&p| self.u32(p).ok() == Some(END_SIG))
            .ok_or_else(|| malformed("not a ZIP archive (no end-of-central-directory record)"))
    }

    /// The central directory entry at `pos` and where the next one starts.
    fn central_entry(&self, pos: usize) -> Result<(Member, usize), ErrorKind> {
        if self.u32(pos)? != CENTRAL_SIG {
            return Err(malformed(
                "corrupt ZIP central directory (bad entry signature)",
            ));
        }
        let flags = self.u16(pos + 8)?;
        let name_len = usize::from(self.u16(pos + 28)?);
        let extra_len = usize::from(self.u16(pos + 30)?);
        let comment_len = usize::from(self.u16(pos + 32)?);
        let name = String::from_utf8_lossy(self.slice(pos + 46, name_len)?).into_owned();
        if flags & ENCRYPTED_FLAG != 0 {
            return Err(ErrorKind::Unsupported(format!(
                "encrypted ZIP member `{name}`"
            )));
        }
        let mut member = Member {
            name,
            method: self.u16(pos + 10)?,
            crc: self.u32(pos + 16)?,
            compressed: self.u32(pos + 20)?.into(),
            size: self.u32(pos + 24)?.into(),
            offset: self.u32(pos + 42)?.into(),
        };
        let extra = self.slice(pos + 46 + name_len, extra_len)?;
        apply_zip64_extra(&mut member, extra)?;
        Ok((member, pos + 46 + name_len + extra_len + comment_len))
    }

    /// A member's uncompressed contents, checked against its recorded size and CRC.
    fn contents(&self, m: &Member) -> Result<Vec<u8>, ErrorKind> {
        let bad = |what: &str| malformed(format!("ZIP member `{}`: {what}", m.name));
        let start = self.position(m.offset)?;
        if self.u32(start)? != LOCAL_SIG {
            return Err(bad("bad local header signature"));
        }
        let name_len = usize::from(self.u16(start + 26)?);
        let extra_len = usize::from(self.u16(start + 28)?);
        let data = self.slice(start + 30 + name_len + extra_len, to_usize(m.compressed)?)?;
        let size = to_usize(m.size)?;
        let out = match m.method {
            STORED => data.to_vec(),
            DEFLATED => miniz_oxide::inflate::decompress_to_vec_with_limit(data, size)
                .map_err(|e| bad(&format!("corrupt deflate data ({:?})", e.status)))?,
            other => {
                return Err(ErrorKind::Unsupported(format!(
                    "ZIP member `{}` uses compression method {other} \
                     (only stored and deflate are read)",
                    m.name
                )))
            }
        };
        if out.len() != size {
            return Err(bad(&format!(
                "holds {} bytes, the directory says {}",
                out.len(),
                m.size
            )));
        }
        if crc32fast::hash(&out) != m.crc {
            return Err(bad("CRC mismatch (the archive is corrupt)"));
        }
        Ok(out)
    }
}

/// Sizes and offset that do not fit 32 bits are 0xFFFFFFFF in the entry, with the real
/// values, in this order, in a ZIP64 extra field.
fn apply_zip64_extra(m: &mut Member, extra: &[u8]) -> Result<(), ErrorKind> {
    const FULL: u64 = u32::MAX as u64;
    let x = Reader(extra);
    let mut pos = 0;
    while pos + 4 <= extra.len() {
        let (id, len) = (x.u16(pos)?, usize::from(x.u16(pos + 2)?));
        if id == ZIP64_EXTRA_ID {
            let mut field = pos + 4;
            for value in [&mut m.size, &mut m.compressed, &mut m.offset] {
                if *value == FULL {
                    *value = x.u64(field)?;
                    field += 8;
                }
            }
            return Ok(());
        }
        pos += 4 + len;
    }
    Ok(())
}

fn to_usize(v: u64) -> Result<usize, ErrorKind> {
    usize::try_from(v).map_err(|_| malformed(format!("ZIP size {v} is out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_then_extract() {
        let members = vec![
            ("a.npy".to_string(), b"hello".to_vec()),
            ("ü.npy".to_string(), vec![]),
        ];
        assert_eq!(extract(&store(&members).unwrap()).unwrap(), members);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(extract(b"").is_err());
        assert!(extract(&[0u8; 100]).is_err());
        let zip = store(&[("a".to_string(), b"hello".to_vec())]).unwrap();
        for n in 0..zip.len() {
            assert!(extract(&zip[..n]).is_err(), "cut at {n}");
        }
        let mut flipped = zip.clone();
        flipped[32] ^= 1; // inside the data: the CRC catches it
        assert!(extract(&flipped).unwrap_err().to_string().contains("CRC"));
    }
}
