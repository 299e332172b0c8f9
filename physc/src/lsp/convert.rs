//! Between the compiler's byte offsets and file paths and the Language Server Protocol's
//! positions (line and UTF-16 code unit, both from 0) and `file://` URIs.

use lsp_types::{Position, Range, Uri};
use std::path::{Path, PathBuf};

/// The LSP position of byte `offset` in `text` (clamped to the text, and back to a
/// character boundary).
pub fn position(text: &str, offset: usize) -> Position {
    let mut at = offset.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..line_start].matches('\n').count();
    let character: usize = text[line_start..at].chars().map(char::len_utf16).sum();
    Position::new(line as u32, character as u32)
}

pub fn range(text: &str, bytes: std::ops::Range<usize>) -> Range {
    Range::new(position(text, bytes.start), position(text, bytes.end))
}

/// The byte offset of an LSP position in `text` (the end of the line or text when the
/// position lies beyond it).
pub fn offset(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut units = 0;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= position.character as usize {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    line_end
}

/// The local path a `file://` URI names (percent-decoded), if it is one.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    // `file:///home/…` (empty authority) or `file://localhost/home/…`.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// The `file://` URI of an absolute path, percent-encoding what a URI path may not hold.
pub fn uri_of(path: &Path) -> Option<Uri> {
    let mut text = String::from("file://");
    for b in path.to_str()?.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                text.push(b as char)
            }
            _ => text.push_str(&format!("%{b:02X}")),
        }
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        let text = "model M {\n  const λ = 1 // 𝜆\n}";
        let at = text.find("= 1").unwrap();
        assert_eq!(position(text, at), Position::new(1, 10));
        assert_eq!(offset(text, Position::new(1, 10)), at);
        let far = text.find("//").unwrap() + 3;
        // 𝜆 is two UTF-16 units.
        assert_eq!(position(text, far + 4), Position::new(1, 19));
        assert_eq!(offset(text, Position::new(1, 19)), far + 4);
        assert_eq!(offset(text, Position::new(9, 0)), text.len());
        assert_eq!(offset(text, Position::new(0, 99)), text.find('\n').unwrap());
    }

    #[test]
    fn file_uris_and_paths_convert_both_ways() {
        let path = Path::new("/tmp/a model/heat.phys");
        let uri = uri_of(path).unwrap();
        assert_eq!(uri.as_str(), "file:///tmp/a%20model/heat.phys");
        assert_eq!(path_of(&uri).unwrap(), path);
        let other: Uri = "untitled:Untitled-1".parse().unwrap();
        assert_eq!(path_of(&other), None);
    }
}
