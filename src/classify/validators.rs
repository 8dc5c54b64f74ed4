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
            let sum: u32 = b[..17].iter().zip(W).map(|(d, w)| u32::from(d - b'0') * w).sum();
            let expected = b"10X98765432"[(sum % 11) as usize];
            province_ok(&s[..2]) && date_ok(&s[6..10], &s[10..12], &s[12..14]) && check == expected
        }
        15 => b.iter().all(u8::is_ascii_digit) && province_ok(&s[..2]) && date_ok(&format!("19{}", &s[6..8]), &s[8..10], &s[10..12]),
        _ => false,
    }
}

fn province_ok(p: &str) -> bool {
    matches!(p.parse::<u32>(), Ok(11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83))
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
    let t = t.strip_prefix("+86").or_else(|| t.strip_prefix("86")).map_or(t, |r| r.trim_start_matches(['-', ' ']));
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
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let sum: u32 = s
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// Bank card number (PAN): 16–19 digits, Luhn-valid.
pub fn is_bank_card(s: &str) -> bool {
    (16..=19).contains(&s.len()) && luhn(s)
}

/// GB 32100-2015 unified social credit code. A valid one identifies an
/// organisation: it is *not* PI (except prefix `92`, individual businesses).
pub fn is_uscc(s: &str) -> bool {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
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
        let sum: u32 = first17.bytes().zip(W).map(|(d, w)| u32::from(d - b'0') * w).sum();
        format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
    }

    #[test]
    fn resident_ids() {
        let id = with_check("11010519491231002");
        assert!(is_resident_id(&id), "{id}");
        assert!(is_resident_id(&id.to_lowercase()));
        let mut bad = id.clone();
        bad.replace_range(17..18, if id.ends_with('0') { "1" } else { "0" });
        assert!(!is_resident_id(&bad), "wrong check char");
        assert!(!is_resident_id(&with_check("99010519491231002")), "bad province");
        assert!(!is_resident_id(&with_check("11010519490230002")), "30 February");
        assert!(is_resident_id("110105491231002"), "15-digit legacy");
        assert!(!is_resident_id("1101051949123100"));
    }

    #[test]
    fn mobiles() {
        for ok in ["13812345678", "+8613812345678", "86-19912345678", "16612345678"] {
            assert!(is_cn_mobile(ok), "{ok}");
        }
        for bad in ["12812345678", "1381234567", "1741234567a", "16412345678", "23812345678"] {
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
}
