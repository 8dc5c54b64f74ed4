//! Value validators (值校验): checks on sampled values and SQL literals that
//! raise or lower confidence in a tag. They only answer yes or no; no value
//! is ever stored or printed by them (see [`mask`] for what reports may show).

/// GB 11643-1999 resident ID number: 18 characters with a valid province
/// code, calendar birth date and check character, or the legacy 15-digit form.
pub fn is_resident_id(s: &str) -> bool {
    let b = s.as_bytes();
    match b.len() {
        18 => {
            if !b[..17].iter().all(u8::is_ascii_digit) {
                return false;
            }
            let check = b[17].to_ascii_uppercase();
            if !(check.is_ascii_digit() || check == b'X') {
                return false;
            }
            const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = b[..17]
                .iter()
                .zip(W)
                .map(|(d, w)| u32::from(d - b'0') * w)
                .sum();
            let expected = b"10X98765432"[(sum % 11) as usize];
            province_ok(&s[..2]) && date_ok(&s[6..10], &s[10..12], &s[12..14]) && check == expected
        }
        15 => {
            b.iter().all(u8::is_ascii_digit)
                && province_ok(&s[..2])
                && date_ok(&format!("19{}", &s[6..8]), &s[8..10], &s[10..12])
        }
        _ => false,
    }
}

fn province_ok(p: &str) -> bool {
    matches!(
        p.parse::<u32>(),
        Ok(11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83)
    )
}

fn date_ok(y: &str, m: &str, d: &str) -> bool {
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1900..=2100).contains(&y) && (1..=days).contains(&d)
}

/// Mainland China mobile number, optionally with +86/86 prefix.
pub fn is_cn_mobile(s: &str) -> bool {
    let t = s.trim();
    let t = t
        .strip_prefix("+86")
        .or_else(|| t.strip_prefix("86"))
        .map_or(t, |r| r.trim_start_matches(['-', ' ']));
    let b = t.as_bytes();
    if b.len() != 11 || b[0] != b'1' || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let second = b[1] - b'0';
    let third = b[2] - b'0';
    match second {
        3 | 8 => true,
        4 => matches!(third, 0 | 1 | 4 | 5 | 6 | 7 | 8 | 9),
        5 => third != 4,
        6 => matches!(third, 2 | 5 | 6 | 7),
        7 => third <= 8,
        9 => third != 4,
        _ => false,
    }
}

/// Luhn checksum over an all-digit string.
pub fn luhn(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next_back() {
        Some(last) => luhn_check_digit(chars.as_str()) == Some(last),
        None => false,
    }
}

/// The Luhn check digit that completes `body` (all digits), or `None` when
/// `body` is empty or not all digits. Used to validate card numbers and, in
/// tests, to make valid ones.
pub fn luhn_check_digit(body: &str) -> Option<char> {
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    char::from_digit((10 - sum % 10) % 10, 10)
}

/// Bank card number (PAN): 16–19 digits, Luhn-valid.
pub fn is_bank_card(s: &str) -> bool {
    (16..=19).contains(&s.len()) && luhn(s)
}

/// GB 32100-2015 unified social credit code. A valid one identifies an
/// organisation: it is *not* PI (except prefix `92`, individual businesses).
pub fn is_uscc(s: &str) -> bool {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let b = s.as_bytes();
    if b.len() != 18 {
        return false;
    }
    let mut idx = [0usize; 18];
    for (i, c) in b.iter().enumerate() {
        match ALPHABET.iter().position(|a| a == &c.to_ascii_uppercase()) {
            Some(p) => idx[i] = p,
            None => return false,
        }
    }
    let sum: usize = idx[..17].iter().zip(W).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    idx[17] == check
}

/// Mainland landline: area code 0xx/0xxx, optional dash, 7–8 digits.
pub fn is_cn_landline(s: &str) -> bool {
    let t = s.trim();
    if !t.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return false;
    }
    let (area, rest) = match t.split_once('-') {
        Some((a, r)) => (a, r),
        None if t.len() >= 10 => t.split_at(if t.len() == 12 { 4 } else { 3 }),
        None => return false,
    };
    area.starts_with('0')
        && (3..=4).contains(&area.len())
        && (7..=8).contains(&rest.len())
        && area.bytes().chain(rest.bytes()).all(|b| b.is_ascii_digit())
}

/// Email address: a plain local part and a dotted host name, nothing else
/// (so JSON or free text that merely contains `@` does not pass).
pub fn is_email(s: &str) -> bool {
    let Some((user, domain)) = s.trim().split_once('@') else {
        return false;
    };
    let user_ok = !user.is_empty()
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-'));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    user_ok && domain_ok
}

/// Ordinary PRC passport: `E` + letter/digit + 7 digits, or `E`/`G` + 8 digits.
pub fn is_cn_passport(s: &str) -> bool {
    let b = s.trim().as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.len() {
        9 if b[0] == b'E' && b[1].is_ascii_uppercase() && !matches!(b[1], b'I' | b'O') => {
            digits(&b[2..])
        }
        9 if matches!(b[0], b'E' | b'G') => digits(&b[1..]),
        _ => false,
    }
}

/// Mainland travel permit to HK/Macao (`C` + letter/digit + 7 digits) or
/// HK/Macao residents' home-return permit (`H`/`M` + 8 or 10 digits).
pub fn is_hmt_permit(s: &str) -> bool {
    let b = s.trim().as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    match b.first() {
        Some(b'C') => b.len() == 9 && b[1].is_ascii_alphanumeric() && digits(&b[2..]),
        Some(b'H' | b'M') => (b.len() == 9 || b.len() == 11) && digits(&b[1..]),
        _ => false,
    }
}

/// Chinese vehicle licence plate (ordinary and new-energy).
pub fn is_cn_plate(s: &str) -> bool {
    const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
    let chars: Vec<char> = s.trim().chars().collect();
    if !(7..=8).contains(&chars.len()) || !PROVINCES.contains(chars[0]) {
        return false;
    }
    let letter = |c: char| c.is_ascii_uppercase() && c != 'I' && c != 'O';
    let alnum = |c: char| letter(c) || c.is_ascii_digit();
    let last = chars[chars.len() - 1];
    letter(chars[1])
        && chars[2..chars.len() - 1].iter().all(|&c| alnum(c))
        && (alnum(last) || "挂学警港澳".contains(last))
}

/// IPv4 or IPv6 address.
pub fn is_ip(s: &str) -> bool {
    s.trim().parse::<std::net::IpAddr>().is_ok()
}

/// A latitude in degrees with at least 4 decimals (precise location).
pub fn is_precise_latitude(s: &str) -> bool {
    precise_in(s, -90.0, 90.0)
}

/// A longitude within mainland China's span with at least 4 decimals.
pub fn is_precise_cn_longitude(s: &str) -> bool {
    precise_in(s, 73.0, 136.0)
}

fn precise_in(s: &str, lo: f64, hi: f64) -> bool {
    let t = s.trim();
    let decimals = t.split_once('.').map_or(0, |(_, d)| d.len());
    decimals >= 4 && t.parse::<f64>().is_ok_and(|v| (lo..=hi).contains(&v))
}

/// Masks, inside free text, every digit run that validates as a resident
/// ID, mainland mobile number or bank card; other text is left as it is.
pub fn redact(text: &str) -> std::borrow::Cow<'_, str> {
    let b = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j < b.len() && (b[j] == b'X' || b[j] == b'x') {
            j += 1;
        }
        let run = &text[i..j];
        if is_resident_id(run) || is_cn_mobile(run) || is_bank_card(run) {
            out.push_str(&text[copied..i]);
            out.push_str(&mask(run));
            copied = j;
        }
        i = j;
    }
    if copied == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    std::borrow::Cow::Owned(out)
}

/// Masks a value for display: keeps a short head and tail only
/// (`138****5678`, `1101**********1234`); short values are fully masked.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    let (head, tail) = match n {
        0..=4 => (0, 0),
        5..=8 => (1, 1),
        9..=11 => (3, 4),
        _ => (4, 4),
    };
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { *c } else { '*' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a valid 18-digit ID from its first 17 digits.
    fn with_check(first17: &str) -> String {
        const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        let sum: u32 = first17
            .bytes()
            .zip(W)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
    }

    #[test]
    fn redact_masks_valid_values_inside_text_only() {
        let id = with_check("11010519491231002");
        let text =
            format!("身份证号 如{id}，手机 13800138000；订单 12345678901 卡6222020200112233440");
        let r = redact(&text);
        assert!(!r.contains(&id) && !r.contains("13800138000"), "{r}");
        assert!(r.contains(&mask(&id)) && r.contains("138****8000"), "{r}");
        // An 11-digit run that is no mobile number stays.
        assert!(r.contains("12345678901"), "{r}");
        assert!(matches!(redact("手机号码"), std::borrow::Cow::Borrowed(_)));
    }

    #[test]
    fn resident_ids() {
        let id = with_check("11010519491231002");
        assert!(is_resident_id(&id), "{id}");
        assert!(is_resident_id(&id.to_lowercase()));
        let mut bad = id.clone();
        bad.replace_range(17..18, if id.ends_with('0') { "1" } else { "0" });
        assert!(!is_resident_id(&bad), "wrong check char");
        assert!(
            !is_resident_id(&with_check("99010519491231002")),
            "bad province"
        );
        assert!(
            !is_resident_id(&with_check("11010519490230002")),
            "30 February"
        );
        assert!(is_resident_id("110105491231002"), "15-digit legacy");
        assert!(!is_resident_id("1101051949123100"));
    }

    #[test]
    fn mobiles() {
        for ok in [
            "13812345678",
            "+8613812345678",
            "86-19912345678",
            "16612345678",
        ] {
            assert!(is_cn_mobile(ok), "{ok}");
        }
        for bad in [
            "12812345678",
            "1381234567",
            "1741234567a",
            "16412345678",
            "23812345678",
        ] {
            assert!(!is_cn_mobile(bad), "{bad}");
        }
    }

    #[test]
    fn cards_and_luhn() {
        assert!(luhn("79927398713"));
        assert!(!luhn("79927398710"));
        assert!(is_bank_card("6222020200112345678") == luhn("6222020200112345678"));
        assert!(is_bank_card("4111111111111111"));
        assert!(!is_bank_card("411111111111111"));
        assert!(!luhn(""));
    }

    #[test]
    fn uscc() {
        assert!(is_uscc("91350100M000100Y43"));
        assert!(!is_uscc("91350100M000100Y44"));
        assert!(!is_uscc("91350100M000100YI3"), "I is not in the alphabet");
    }

    #[test]
    fn masking_keeps_no_middle() {
        assert_eq!(mask("13812345678"), "138****5678");
        assert_eq!(mask("110105194912310021"), "1101**********0021");
        assert_eq!(mask("张三"), "**");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn other_identifiers() {
        assert!(
            !is_email("{\"from\":\"x@y.com\"}") && !is_email("x@y..com") && is_email("ry@163.com")
        );
        assert!(
            is_cn_landline("010-12345678")
                && is_cn_landline("0571-8765432")
                && is_cn_landline("01012345678")
        );
        assert!(!is_cn_landline("12345678") && !is_cn_landline("010-123"));
        assert!(
            is_email("a.b@example.cn")
                && !is_email("a@b")
                && !is_email("a b@c.cn")
                && !is_email("@x.cn")
        );
        assert!(
            is_cn_passport("E12345678")
                && is_cn_passport("EA1234567")
                && is_cn_passport("G12345678")
        );
        assert!(!is_cn_passport("EI1234567") && !is_cn_passport("X12345678"));
        assert!(
            is_hmt_permit("C12345678")
                && is_hmt_permit("H1234567801")
                && !is_hmt_permit("12345678")
        );
        assert!(is_cn_plate("京A12345") && is_cn_plate("粤B12345D") && is_cn_plate("沪A1234学"));
        assert!(!is_cn_plate("京I12345") && !is_cn_plate("AB12345"));
        assert!(is_ip("192.168.1.1") && is_ip("::1") && !is_ip("999.1.1.1"));
        assert!(
            is_precise_latitude("39.9042")
                && !is_precise_latitude("39.9")
                && !is_precise_latitude("91.0000")
        );
        assert!(is_precise_cn_longitude("116.4074") && !is_precise_cn_longitude("12.4964"));
    }

    /// Odd text (empty, dashes, full-width and mixed-width digits, cut
    /// multi-byte strings, NULs) must neither panic in nor pass a validator:
    /// none of it is a well-formed identifier. `mask` keeps the length in
    /// characters and hides short values entirely; `redact` leaves text
    /// holding no valid identifier as it is.
    #[test]
    fn validators_reject_odd_text_and_masking_keeps_its_length() {
        let nasty = [
            "",
            " ",
            "-",
            "--",
            "0-",
            "中文字符串中文字符串中文字符",
            "０１０-１２３４５６７８",
            "1１0105194912310０2X",
            "京",
            "京A",
            "é@é.é",
            "9135０100M000100Y43",
            "\u{0}\u{0}",
            "0571中文字符串中文",
            "E",
            "C中",
            "H123",
        ];
        type Validator = (&'static str, fn(&str) -> bool);
        let all: [Validator; 13] = [
            ("is_resident_id", is_resident_id),
            ("is_cn_mobile", is_cn_mobile),
            ("luhn", luhn),
            ("is_bank_card", is_bank_card),
            ("is_uscc", is_uscc),
            ("is_cn_landline", is_cn_landline),
            ("is_email", is_email),
            ("is_cn_passport", is_cn_passport),
            ("is_hmt_permit", is_hmt_permit),
            ("is_cn_plate", is_cn_plate),
            ("is_ip", is_ip),
            ("is_precise_latitude", is_precise_latitude),
            ("is_precise_cn_longitude", is_precise_cn_longitude),
        ];
        let check = |text: &str| {
            for (name, accepts) in all {
                assert!(!accepts(text), "{name} accepted {text:?}");
            }
            let masked = mask(text);
            assert_eq!(
                masked.chars().count(),
                text.chars().count(),
                "mask({text:?}) = {masked:?}"
            );
            if text.chars().count() <= 4 {
                assert!(
                    masked.chars().all(|c| c == '*'),
                    "mask({text:?}) = {masked:?}"
                );
            }
            assert_eq!(redact(text), text);
        };
        for text in nasty {
            check(text);
        }
        // Every suffix of a multi-byte string, so that each validator meets
        // every length and a char boundary at every byte offset.
        let base = "号1码2中3文4字5符6串7测8试9文0字1符2串";
        for start in 0..base.chars().count() {
            let tail: String = base.chars().skip(start).collect();
            check(&tail);
        }
    }
}
