//! Photos attached to reports and replies: the type is read from the bytes, never the name.

pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_PHOTOS: usize = 9;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoType {
    Jpeg,
    Png,
    Webp,
}

impl PhotoType {
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
}
