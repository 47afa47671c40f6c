//! Photos attached to reports and replies: the type is read from the bytes, never the name;
//! what residents and the public are shown has its metadata removed ([`strip_metadata`]).

pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_PHOTOS: usize = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoType {
    Jpeg,
    Png,
    Webp,
}

impl PhotoType {
    pub const ALL: [PhotoType; 3] = [PhotoType::Jpeg, PhotoType::Png, PhotoType::Webp];

    /// The type of a stored `Content-Type` (only the three accepted ones).
    pub fn from_mime(mime: &str) -> Option<PhotoType> {
        PhotoType::ALL.into_iter().find(|t| t.mime().eq_ignore_ascii_case(mime.trim()))
    }

    pub fn mime(self) -> &'static str {
        match self {
            PhotoType::Jpeg => "image/jpeg",
            PhotoType::Png => "image/png",
            PhotoType::Webp => "image/webp",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("第 {0} 张照片为空")]
    Empty(usize),
    #[error("第 {0} 张照片超过 10 MB")]
    TooLarge(usize),
    #[error("第 {0} 张照片不是 JPEG、PNG 或 WebP 图片")]
    NotAnImage(usize),
    #[error("照片最多 {MAX_PHOTOS} 张")]
    TooMany,
}

/// The image type by its signature bytes.
pub fn sniff(bytes: &[u8]) -> Option<PhotoType> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(PhotoType::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(PhotoType::Png)
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(PhotoType::Webp)
    } else {
        None
    }
}

/// Checks every photo (1-based numbers in errors) and returns their types.
pub fn check_photos(photos: &[Vec<u8>]) -> Result<Vec<PhotoType>, PhotoError> {
    if photos.len() > MAX_PHOTOS {
        return Err(PhotoError::TooMany);
    }
    photos
        .iter()
        .enumerate()
        .map(|(i, p)| match p.len() {
            0 => Err(PhotoError::Empty(i + 1)),
            n if n > MAX_PHOTO_BYTES => Err(PhotoError::TooLarge(i + 1)),
            _ => sniff(p).ok_or(PhotoError::NotAnImage(i + 1)),
        })
        .collect()
}

/// A photo whose structure could not be followed: it is not shown outside the staff pages
/// rather than shown with its metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("照片文件结构有误，无法去除拍摄信息")]
pub struct Malformed;

/// The photo without its metadata — what anyone but staff is shown: EXIF (GPS position,
/// camera, serial numbers, time), XMP, IPTC and comments. The pixels are untouched.
///
/// - JPEG: APP1 (EXIF, XMP), APP3–APP13, APP15 and COM segments are dropped; APP0 (JFIF),
///   APP2 (ICC colour profile) and APP14 (Adobe colour transform) are kept because decoding
///   needs them. A non-default EXIF orientation is kept as a minimal EXIF block holding only
///   that tag, so a phone's portrait photo is not shown on its side.
/// - PNG: `eXIf`, `tEXt`, `zTXt`, `iTXt` and `tIME` chunks are dropped.
/// - WebP: `EXIF` and `XMP ` chunks are dropped and their flags cleared in `VP8X`.
pub fn strip_metadata(bytes: &[u8]) -> Result<Vec<u8>, Malformed> {
    match sniff(bytes).ok_or(Malformed)? {
        PhotoType::Jpeg => strip_jpeg(bytes),
        PhotoType::Png => strip_png(bytes),
        PhotoType::Webp => strip_webp(bytes),
    }
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn strip_jpeg(b: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut i = 2;
    loop {
        // Fill bytes (0xFF repeated) may precede a marker.
        while b.get(i) == Some(&0xFF) && b.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if b.get(i) != Some(&0xFF) {
            return Err(Malformed);
        }
        let marker = *b.get(i + 1).ok_or(Malformed)?;
        match marker {
            // End of image: nothing after it is kept.
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Ok(out);
            }
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[i..i + 2]);
                i += 2;
                continue;
            }
            _ => {}
        }
        let len = be16(b, i + 2).ok_or(Malformed)?;
        if len < 2 {
            return Err(Malformed);
        }
        let end = i + 2 + len;
        let segment = b.get(i..end).ok_or(Malformed)?;
        match marker {
            // Start of scan: the entropy-coded data follows up to the end of the image
            // (restart markers and stuffed bytes included); copied as it is. Metadata
            // segments after the scan (rare) would ride along, so the rest is scanned
            // for further segments only at marker boundaries.
            0xDA => {
                out.extend_from_slice(segment);
                let rest = &b[end..];
                let scan_end = scan_data_end(rest);
                out.extend_from_slice(&rest[..scan_end]);
                i = end + scan_end;
                if i >= b.len() {
                    // A truncated file without EOI: what there is, is kept.
                    return Ok(out);
                }
            }
            0xE1 => {
                let data = &segment[4..];
                if let Some(o) = exif_orientation(data).filter(|o| *o != 1) {
                    out.extend_from_slice(&orientation_app1(o));
                }
                i = end;
            }
            0xE3..=0xED | 0xEF | 0xFE => i = end,
            _ => {
                out.extend_from_slice(segment);
                i = end;
            }
        }
    }
}

/// The length of entropy-coded data: up to the first marker that is neither a stuffed 0xFF00
/// nor a restart marker.
fn scan_data_end(d: &[u8]) -> usize {
    let mut j = 0;
    while j + 1 < d.len() {
        if d[j] == 0xFF {
            let m = d[j + 1];
            if m == 0x00 || (0xD0..=0xD7).contains(&m) || m == 0xFF {
                j += if m == 0xFF { 1 } else { 2 };
                continue;
            }
            return j;
        }
        j += 1;
    }
    d.len()
}

/// The Orientation tag (0x0112) of IFD0 of an APP1 EXIF block, if there is one.
fn exif_orientation(app1: &[u8]) -> Option<u16> {
    let tiff = app1.strip_prefix(b"Exif\0\0")?;
    let big = match tiff.get(..4)? {
        b"MM\0*" => true,
        b"II*\0" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let v: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if big { u16::from_be_bytes(v) } else { u16::from_le_bytes(v) })
    };
    let u32_at = |at: usize| -> Option<usize> {
        let v: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if big { u32::from_be_bytes(v) } else { u32::from_le_bytes(v) } as usize)
    };
    let ifd = u32_at(4)?;
    let count = u16_at(ifd)? as usize;
    (0..count.min(512)).find_map(|k| {
        let e = ifd.checked_add(2 + 12 * k)?;
        // Tag 0x0112, type SHORT (3), one value.
        (u16_at(e)? == 0x0112 && u16_at(e + 2)? == 3).then_some(())?;
        u16_at(e + 8).filter(|o| (1..=8).contains(o))
    })
}

/// A minimal APP1 EXIF segment holding only the orientation (big-endian TIFF, one IFD entry).
fn orientation_app1(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    tiff.extend_from_slice(&orientation.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    let mut seg = vec![0xFF, 0xE1];
    let len = (2 + 6 + tiff.len()) as u16;
    seg.extend_from_slice(&len.to_be_bytes());
    seg.extend_from_slice(b"Exif\0\0");
    seg.extend_from_slice(&tiff);
    seg
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const PNG_DROPPED: [&[u8; 4]; 5] = [b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"];

fn strip_png(b: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(PNG_SIGNATURE);
    let mut i = PNG_SIGNATURE.len();
    loop {
        let len = u32::from_be_bytes(b.get(i..i + 4).ok_or(Malformed)?.try_into().map_err(|_| Malformed)?) as usize;
        let kind: &[u8] = b.get(i + 4..i + 8).ok_or(Malformed)?;
        let end = i.checked_add(12).and_then(|n| n.checked_add(len)).ok_or(Malformed)?;
        let chunk = b.get(i..end).ok_or(Malformed)?;
        if !PNG_DROPPED.iter().any(|d| d.as_slice() == kind) {
            out.extend_from_slice(chunk);
        }
        i = end;
        if kind == b"IEND" {
            return Ok(out);
        }
    }
}

fn strip_webp(b: &[u8]) -> Result<Vec<u8>, Malformed> {
    let mut body = Vec::with_capacity(b.len());
    body.extend_from_slice(b"WEBP");
    let riff_len = u32::from_le_bytes(b.get(4..8).ok_or(Malformed)?.try_into().map_err(|_| Malformed)?) as usize;
    // Anything after the RIFF container is not part of the image and is not kept.
    let stop = riff_len.saturating_add(8).min(b.len());
    let mut i = 12;
    while i < stop {
        let kind: &[u8] = b.get(i..i + 4).ok_or(Malformed)?;
        let len = u32::from_le_bytes(b.get(i + 4..i + 8).ok_or(Malformed)?.try_into().map_err(|_| Malformed)?) as usize;
        // Chunks are padded to an even length.
        let end = i.checked_add(8).and_then(|n| n.checked_add(len + (len & 1))).ok_or(Malformed)?;
        let chunk = b.get(i..end.min(stop)).ok_or(Malformed)?;
        if chunk.len() < 8 + len {
            return Err(Malformed);
        }
        match kind {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let mut c = chunk.to_vec();
                let flags = c.get_mut(8).ok_or(Malformed)?;
                *flags &= !(0x08 | 0x04);
                body.extend_from_slice(&c);
            }
            _ => body.extend_from_slice(chunk),
        }
        i = end;
    }
    let mut out = Vec::with_capacity(body.len() + 8);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&u32::try_from(body.len()).map_err(|_| Malformed)?.to_le_bytes());
    out.extend_from_slice(&body);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10];
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let webp = b"RIFF\x24\0\0\0WEBPVP8 ".to_vec();
        assert_eq!(check_photos(&[jpeg, png, webp]), Ok(vec![PhotoType::Jpeg, PhotoType::Png, PhotoType::Webp]));
        // A GIF or a PDF renamed to .jpg is still refused.
        assert_eq!(check_photos(&[b"GIF89a....".to_vec()]), Err(PhotoError::NotAnImage(1)));
        assert_eq!(check_photos(&[b"%PDF-1.7".to_vec()]), Err(PhotoError::NotAnImage(1)));
        assert_eq!(check_photos(&[vec![]]), Err(PhotoError::Empty(1)));
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(check_photos(&[b"\x89PNG\r\n\x1a\n".to_vec(), big]), Err(PhotoError::TooLarge(2)));
        assert_eq!(check_photos(&vec![b"\x89PNG\r\n\x1a\n".to_vec(); 10]), Err(PhotoError::TooMany));
    }

    /// A JPEG segment: marker, length, data.
    fn seg(marker: u8, data: &[u8]) -> Vec<u8> {
        let mut v = vec![0xFF, marker];
        v.extend_from_slice(&((data.len() + 2) as u16).to_be_bytes());
        v.extend_from_slice(data);
        v
    }

    /// An EXIF APP1 payload (little-endian TIFF) with a GPS-looking IFD entry, a camera model
    /// string and, if given, an orientation.
    fn exif(orientation: Option<u16>) -> Vec<u8> {
        let mut t = b"Exif\0\0II*\0\x08\0\0\0".to_vec();
        let entries: Vec<(u16, u16, u32, u32)> = [(0x0110, 2, 6, 0x4E4F_4B49), (0x8825, 4, 1, 99)]
            .into_iter()
            .chain(orientation.map(|o| (0x0112, 3, 1, o as u32)))
            .collect();
        t.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, ty, n, v) in entries {
            t.extend_from_slice(&tag.to_le_bytes());
            t.extend_from_slice(&ty.to_le_bytes());
            t.extend_from_slice(&n.to_le_bytes());
            t.extend_from_slice(&v.to_le_bytes());
        }
        t.extend_from_slice(b"\0\0\0\0GPSLatitude 30.1234N Canon EOS");
        t
    }

    fn jpeg(orientation: Option<u16>) -> Vec<u8> {
        let mut j = vec![0xFF, 0xD8];
        j.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(seg(0xE1, &exif(orientation)));
        j.extend(seg(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta>GPSLatitude</x:xmpmeta>"));
        j.extend(seg(0xE2, b"ICC_PROFILE\0\x01\x01profile"));
        j.extend(seg(0xED, b"Photoshop 3.0\0IPTC city"));
        j.extend(seg(0xFE, b"Canon EOS comment"));
        j.extend(seg(0xDB, &[0u8; 65]));
        j.extend(seg(0xDA, b"\x01\x01\0\0\x3F\0"));
        // Entropy-coded data with a stuffed byte and a restart marker.
        j.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]);
        j.extend_from_slice(&[0xFF, 0xD9]);
        j
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = (data.len() as u32).to_be_bytes().to_vec();
        v.extend_from_slice(kind);
        v.extend_from_slice(data);
        v.extend_from_slice(&[1, 2, 3, 4]);
        v
    }

    fn png() -> Vec<u8> {
        let mut p = PNG_SIGNATURE.to_vec();
        p.extend(png_chunk(b"IHDR", &[0; 13]));
        p.extend(png_chunk(b"eXIf", &exif(None)[6..]));
        p.extend(png_chunk(b"tEXt", b"Camera\0Canon EOS"));
        p.extend(png_chunk(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0GPSLatitude"));
        p.extend(png_chunk(b"IDAT", b"pixels"));
        p.extend(png_chunk(b"IEND", b""));
        p
    }

    fn riff_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut v = kind.to_vec();
        v.extend_from_slice(&(data.len() as u32).to_le_bytes());
        v.extend_from_slice(data);
        if data.len() % 2 == 1 {
            v.push(0);
        }
        v
    }

    fn webp() -> Vec<u8> {
        let mut body = b"WEBP".to_vec();
        body.extend(riff_chunk(b"VP8X", &[0x08 | 0x04 | 0x10, 0, 0, 0, 9, 0, 0, 9, 0, 0]));
        body.extend(riff_chunk(b"VP8L", b"pixels!"));
        body.extend(riff_chunk(b"EXIF", &exif(None)[6..]));
        body.extend(riff_chunk(b"XMP ", b"<x:xmpmeta>GPSLatitude</x:xmpmeta>"));
        let mut w = b"RIFF".to_vec();
        w.extend_from_slice(&(body.len() as u32).to_le_bytes());
        w.extend(body);
        w
    }

    #[test]
    fn jpeg_loses_exif_xmp_iptc_and_comments_but_keeps_pixels_and_colour() {
        let out = strip_metadata(&jpeg(None)).expect("strips");
        for gone in [&b"GPSLatitude"[..], b"Canon EOS", b"Exif\0\0", b"Photoshop", b"IPTC"] {
            assert!(!contains(&out, gone), "{:?} left in", String::from_utf8_lossy(gone));
        }
        for kept in [&b"JFIF"[..], b"ICC_PROFILE", &[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD9]] {
            assert!(contains(&out, kept), "{:?} lost", String::from_utf8_lossy(kept));
        }
        assert_eq!(sniff(&out), Some(PhotoType::Jpeg));
    }

    #[test]
    fn jpeg_orientation_survives_alone() {
        let out = strip_metadata(&jpeg(Some(6))).expect("strips");
        assert!(!contains(&out, b"GPSLatitude") && !contains(&out, b"Canon"));
        let app1 = out.windows(6).position(|w| w == b"Exif\0\0").expect("orientation kept");
        assert_eq!(exif_orientation(&out[app1..]), Some(6));
        // The default orientation needs no block at all.
        assert!(!contains(&strip_metadata(&jpeg(Some(1))).unwrap(), b"Exif"));
    }

    #[test]
    fn png_and_webp_lose_their_metadata_chunks() {
        let out = strip_metadata(&png()).expect("strips");
        assert!(!contains(&out, b"GPSLatitude") && !contains(&out, b"Canon") && !contains(&out, b"eXIf"));
        assert!(contains(&out, b"IHDR") && contains(&out, b"pixels") && out.ends_with(&png_chunk(b"IEND", b"")));

        let out = strip_metadata(&webp()).expect("strips");
        assert!(!contains(&out, b"GPSLatitude") && !contains(&out, b"EXIF") && !contains(&out, b"XMP "));
        assert!(contains(&out, b"pixels!"));
        // RIFF size matches, EXIF and XMP flags cleared, alpha kept.
        assert_eq!(u32::from_le_bytes(out[4..8].try_into().unwrap()) as usize, out.len() - 8);
        assert_eq!(out[20], 0x10);
    }

    #[test]
    fn broken_files_are_refused_not_passed_through() {
        let table: Vec<Vec<u8>> = vec![
            b"GIF89a".to_vec(),
            vec![0xFF, 0xD8, 0xFF],
            vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, b'E'],
            vec![0xFF, 0xD8, 0x00],
            PNG_SIGNATURE.to_vec(),
            png()[..40].to_vec(),
            b"RIFF\x30\0\0\0WEBPEXIF\xff\xff\0\0".to_vec(),
        ];
        for b in table {
            assert_eq!(strip_metadata(&b), Err(Malformed), "{b:?}");
        }
    }

    proptest::proptest! {
        /// Whatever the bytes, stripping never panics, and what it returns is stripped for good.
        #[test]
        fn stripping_is_total_and_idempotent(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..300), kind in 0usize..3) {
            let prefix: &[u8] = match kind {
                0 => &[0xFF, 0xD8, 0xFF],
                1 => PNG_SIGNATURE,
                _ => b"RIFF\x40\0\0\0WEBP",
            };
            let mut b = prefix.to_vec();
            b.extend(tail);
            if let Ok(once) = strip_metadata(&b) {
                proptest::prop_assert_eq!(strip_metadata(&once), Ok(once.clone()));
            }
        }

        /// Metadata anywhere in a well-formed JPEG's header is gone, the scan kept.
        #[test]
        fn jpeg_metadata_segments_never_survive(payload in proptest::collection::vec(proptest::num::u8::ANY, 0..200), marker in 0xE3u8..=0xEF) {
            proptest::prop_assume!(marker != 0xEE);
            let mut j = vec![0xFF, 0xD8];
            j.extend(seg(marker, &payload));
            j.extend(seg(0xE1, &exif(None)));
            j.extend(seg(0xDA, b"\x01\x01\0\0\x3F\0"));
            j.extend_from_slice(&[0x42, 0xFF, 0xD9]);
            let out = strip_metadata(&j).unwrap();
            proptest::prop_assert_eq!(out, vec![0xFF, 0xD8, 0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0, 0x42, 0xFF, 0xD9]);
        }
    }
}
