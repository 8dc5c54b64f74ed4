//! Text decoding: UTF-8 (with or without BOM), UTF-16 by BOM, and legacy
//! Chinese encodings (GBK/GB18030) guessed with chardetng.

/// A decoded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text.
    pub text: String,
    /// Encoding name when it was not plain UTF-8 (for a diagnostic).
    pub encoding: Option<&'static str>,
}

/// Why a file cannot be read as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotText {
    /// Contains NUL bytes and no UTF-16 BOM.
    Binary,
}

/// Decodes a file's bytes to text. UTF-8 (the usual case) takes the bytes
/// over without copying them: a dump is read once, not held twice.
pub fn decode(bytes: impl Into<Vec<u8>>) -> Result<Decoded, NotText> {
    let mut bytes = bytes.into();
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(&bytes) {
        if enc == encoding_rs::UTF_8 {
            bytes.drain(..bom_len);
            // A BOM settles the encoding: bad sequences are replaced, not guessed at.
            let text = String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            return Ok(Decoded {
                text,
                encoding: None,
            });
        } else {
            let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
            return Ok(Decoded {
                text: text.into_owned(),
                encoding: Some(enc.name()),
            });
        }
    } else if bytes[..bytes.len().min(8192)].contains(&0) {
        return Err(NotText::Binary);
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Decoded {
            text,
            encoding: None,
        }),
        Err(e) => {
            let bytes = e.as_bytes();
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(bytes, true);
            let enc = det.guess(Some(b"cn"), chardetng::Utf8Detection::Allow);
            let (text, _, _) = enc.decode(bytes);
            Ok(Decoded {
                text: text.into_owned(),
                encoding: Some(enc.name()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_and_bom() {
        assert_eq!(decode("手机".as_bytes()).unwrap().text, "手机");
        let mut b = vec![0xEF, 0xBB, 0xBF];
        b.extend_from_slice("a".as_bytes());
        assert_eq!(
            decode(b.clone()).unwrap(),
            Decoded {
                text: "a".into(),
                encoding: None
            }
        );
    }

    #[test]
    fn gbk_is_detected() {
        let (bytes, _, _) =
            encoding_rs::GBK.encode("COMMENT '身份证号码' -- 手机号码，联系电话，家庭住址");
        let d = decode(bytes.to_vec()).unwrap();
        assert!(d.text.contains("身份证号码"), "{d:?}");
        assert!(d.encoding.is_some());
    }

    #[test]
    fn utf16_with_bom() {
        let mut b = vec![0xFF, 0xFE];
        for u in "表".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(decode(b.clone()).unwrap().text, "表");
    }

    #[test]
    fn binary_is_refused() {
        assert_eq!(decode(b"SQLite format 3\0\0"), Err(NotText::Binary));
    }
}
