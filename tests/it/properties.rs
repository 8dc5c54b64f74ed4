//! Property tests (proptest): the statement splitter, the value validators
//! and finding fingerprints, over generated inputs.

use piaudit::extract::sql::split::{split, split_checked};
use piaudit::extract::sql::SqlDialect;
use piaudit::rules::eval::fingerprint;
use piaudit::validators::{is_bank_card, is_cn_mobile, is_resident_id, luhn};
use proptest::prelude::*;

fn any_dialect() -> impl Strategy<Value = SqlDialect> {
    prop::sample::select(SqlDialect::ALL.to_vec())
}

/// A bare word, never `go`: a line holding only `GO` ends a SQL Server
/// batch, so a generated `go` could end a statement the test counts as one
/// (proptest found `["go \n"]`).
fn word(pattern: &'static str) -> impl Strategy<Value = String> {
    pattern.prop_filter("a lone `go` line is a batch separator", |w| {
        !w.eq_ignore_ascii_case("go")
    })
}

/// One statement with no top-level `;`: words, quoted strings holding
/// delimiters and newlines, and comments, as real files mix them.
fn statement() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        word("[a-z_]{1,8}").prop_map(|w| format!("{w} ")),
        "[a-z ;\n]{0,12}".prop_map(|s| format!("'{s}' ")),
        "[a-z ;]{0,12}".prop_map(|s| format!("/* {s} */ ")),
        "[a-z ;]{0,12}".prop_map(|s| format!("-- {s}\n")),
        Just("(1, 2) ".to_string()),
        Just("\n".to_string()),
        Just("中文 ".to_string()),
    ];
    (word("[a-z]{1,6}"), prop::collection::vec(piece, 0..8))
        .prop_map(|(head, rest)| format!("{head} {}", rest.concat()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the bytes, the splitter neither panics nor loses track:
    /// statements are in order, are exact slices of the input, and carry
    /// the line and column of their first character.
    #[test]
    fn splitter_locates_every_statement_exactly(src in "(?s).{0,400}", dialect in any_dialect()) {
        let mut last_end = 0;
        for s in split(&src, dialect.split_options()) {
            prop_assert!(s.offset >= last_end);
            prop_assert_eq!(&src[s.offset..s.offset + s.text.len()], s.text);
            prop_assert!(!s.text.is_empty());
            let before = &src[..s.offset];
            prop_assert_eq!(s.line as usize, before.matches('\n').count() + 1);
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            prop_assert_eq!(s.column as usize, src[line_start..s.offset].chars().count() + 1);
            last_end = s.offset + s.text.len();
        }
    }

    /// N generated statements joined by `;` split back into exactly those N.
    #[test]
    fn splitter_counts_generated_statements(stmts in prop::collection::vec(statement(), 0..12)) {
        // MySQL options minus `#` comments; PostgreSQL's dollar quotes are off too.
        let opts = SqlDialect::Mssql.split_options();
        let src: String = stmts.iter().map(|s| format!("{s};\n")).collect();
        let (got, open) = split_checked(&src, opts);
        prop_assert_eq!(open, None);
        prop_assert_eq!(got.len(), stmts.len(), "{:?}", got);
        for (g, s) in got.iter().zip(&stmts) {
            prop_assert_eq!(g.text, s.trim_end());
        }
    }

    /// Splitting a concatenation gives the statements of each part, the
    /// second part's shifted by the first part's length.
    #[test]
    fn splitter_is_compositional(
        a in prop::collection::vec(statement(), 0..6),
        b in prop::collection::vec(statement(), 0..6),
    ) {
        let opts = SqlDialect::Postgres.split_options();
        let join = |v: &[String]| v.iter().map(|s| format!("{s};\n")).collect::<String>();
        let (sa, sb) = (join(&a), join(&b));
        let whole = format!("{sa}{sb}");
        let parts: Vec<(String, usize)> = split(&sa, opts)
            .into_iter()
            .map(|s| (s.text.to_string(), s.offset))
            .chain(split(&sb, opts).into_iter().map(|s| (s.text.to_string(), s.offset + sa.len())))
            .collect();
        let got: Vec<(String, usize)> =
            split(&whole, opts).into_iter().map(|s| (s.text.to_string(), s.offset)).collect();
        prop_assert_eq!(got, parts);
    }
}

/// A valid 18-character resident ID from its parts.
fn resident_id(province: u32, rest4: u32, y: u32, m: u32, d: u32, seq: u32) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let first17 = format!("{province:02}{rest4:04}{y:04}{m:02}{d:02}{seq:03}");
    let sum: u32 = first17
        .bytes()
        .zip(W)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

fn valid_resident_id() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![11u32, 13, 31, 33, 44, 51, 65, 81]),
        0u32..10_000,
        1930u32..2020,
        1u32..=12,
        1u32..=28,
        0u32..1000,
    )
        .prop_map(|(p, r, y, m, d, s)| resident_id(p, r, y, m, d, s))
}

fn valid_mobile() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["13", "15", "18", "17", "19", "145"]),
        0u64..100_000_000,
    )
        .prop_map(|(head, n)| {
            let digits = 11 - head.len();
            format!("{head}{n:0digits$}")
        })
}

/// A Luhn-valid card number of 16–19 digits.
fn valid_card() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["62", "4", "51", "35"]),
        prop::collection::vec(0u8..10, 14..18),
    )
        .prop_map(|(bin, body)| {
            let mut s: String = bin.to_string();
            s.extend(body.iter().map(|d| char::from(b'0' + d)));
            s.truncate(18);
            for c in '0'..='9' {
                let candidate = format!("{s}{c}");
                if luhn(&candidate) {
                    return candidate;
                }
            }
            unreachable!("one check digit always fits")
        })
}

/// Replaces the digit at `i` with a different one.
fn corrupt(s: &str, i: usize, delta: u8) -> String {
    let mut b = s.as_bytes().to_vec();
    b[i] = b'0' + (b[i] - b'0' + delta) % 10;
    String::from_utf8(b).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_ids_are_accepted_and_one_wrong_digit_is_rejected(
        id in valid_resident_id(), i in 0usize..17, delta in 1u8..10,
    ) {
        prop_assert!(is_resident_id(&id), "{}", id);
        // The ISO 7064 mod 11-2 check catches every single-digit change.
        prop_assert!(!is_resident_id(&corrupt(&id, i, delta)));
    }

    #[test]
    fn generated_cards_are_accepted_and_one_wrong_digit_is_rejected(
        card in valid_card(), i in 0usize..16, delta in 1u8..10,
    ) {
        prop_assert!(is_bank_card(&card), "{}", card);
        prop_assert!(!is_bank_card(&corrupt(&card, i, delta)));
    }

    #[test]
    fn generated_mobiles_are_accepted_and_wrong_shapes_rejected(
        m in valid_mobile(), lead in 2u8..10,
    ) {
        prop_assert!(is_cn_mobile(&m), "{}", m);
        let prefixed = format!("+86 {m}");
        let wrong_lead = format!("{lead}{}", &m[1..]);
        let too_long = format!("{m}0");
        prop_assert!(is_cn_mobile(&prefixed));
        // No mainland mobile number starts with anything but 1, or has 10 or 12 digits.
        prop_assert!(!is_cn_mobile(&wrong_lead));
        prop_assert!(!is_cn_mobile(&m[..10]));
        prop_assert!(!is_cn_mobile(&too_long));
    }

    /// Fingerprints are stable, 32 hex digits, and tell apart different
    /// rules and different subject lists (subjects are ids: no newlines).
    #[test]
    fn fingerprints_are_stable_and_distinguish_subjects(
        rule in "CNPI-0[0-9]{2}",
        a in prop::collection::vec("[a-z/#._]{1,12}", 1..4),
        b in prop::collection::vec("[a-z/#._]{1,12}", 1..4),
    ) {
        let fa = fingerprint(&rule, &a);
        prop_assert_eq!(&fa, &fingerprint(&rule, &a));
        prop_assert_eq!(fa.len(), 32);
        prop_assert!(fa.bytes().all(|c| c.is_ascii_hexdigit()));
        prop_assert_eq!(fa == fingerprint(&rule, &b), a == b);
        prop_assert_ne!(&fa, &fingerprint(&format!("{rule}X"), &a));
    }
}
