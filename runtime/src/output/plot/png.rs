//! A minimal PNG encoder for the RGB buffers plotters draws into: 8-bit truecolour, one
//! zlib stream, every row with the "Up" filter (plots are mostly flat colour, which that
//! turns into runs of zeros). Enough to avoid an image crate and its codecs.

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const RGB: u8 = 2;
const FILTER_UP: u8 = 2;
const COMPRESSION_LEVEL: u8 = 6;

/// Encode `rgb` (`width × height` pixels, 3 bytes each, rows top to bottom) as a PNG file.
pub(super) fn encode_rgb(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let stride = width as usize * 3;
    debug_assert_eq!(rgb.len(), stride * height as usize);
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // bit depth, colour type, compression, filter method, interlace
    ihdr.extend_from_slice(&[8, RGB, 0, 0, 0]);

    let mut filtered = Vec::with_capacity((stride + 1) * height as usize);
    let mut above: &[u8] = &vec![0; stride];
    for row in rgb.chunks_exact(stride.max(1)) {
        filtered.push(FILTER_UP);
        filtered.extend(row.iter().zip(above).map(|(&b, &a)| b.wrapping_sub(a)));
        above = row;
    }
    let idat = miniz_oxide::deflate::compress_to_vec_zlib(&filtered, COMPRESSION_LEVEL);

    let mut png = SIGNATURE.to_vec();
    chunk(&mut png, b"IHDR", &ihdr);
    chunk(&mut png, b"IDAT", &idat);
    chunk(&mut png, b"IEND", &[]);
    png
}

/// Length, type, data, and a CRC over type and data.
fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// Decode what `encode_rgb` wrote, so tests can look at the pixels of a plot.
#[cfg(test)]
pub(super) fn decode_rgb(png: &[u8]) -> (u32, u32, Vec<u8>) {
    assert!(png.starts_with(SIGNATURE), "PNG signature");
    let (mut pos, mut size, mut idat) = (SIGNATURE.len(), (0, 0), Vec::new());
    while pos < png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let (kind, data) = (&png[pos + 4..pos + 8], &png[pos + 8..pos + 8 + len]);
        let crc = u32::from_be_bytes(png[pos + 8 + len..pos + 12 + len].try_into().unwrap());
        assert_eq!(
            crc,
            crc32fast::hash(&png[pos + 4..pos + 8 + len]),
            "chunk CRC"
        );
        match kind {
            b"IHDR" => {
                let be = |i: usize| u32::from_be_bytes(data[i..i + 4].try_into().unwrap());
                size = (be(0), be(4));
            }
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        pos += 12 + len;
    }
    let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).unwrap();
    let stride = size.0 as usize * 3;
    let mut rgb: Vec<u8> = Vec::with_capacity(stride * size.1 as usize);
    for (r, row) in raw.chunks_exact(stride + 1).enumerate() {
        assert_eq!(row[0], FILTER_UP);
        for (i, &b) in row[1..].iter().enumerate() {
            let above = if r == 0 { 0 } else { rgb[(r - 1) * stride + i] };
            rgb.push(b.wrapping_add(above));
        }
    }
    (size.0, size.1, rgb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_pixels() {
        let rgb: Vec<u8> = (0..4 * 3 * 3).map(|i| (i * 37 % 256) as u8).collect();
        let png = encode_rgb(4, 3, &rgb);
        assert_eq!(decode_rgb(&png), (4, 3, rgb));
    }
}
