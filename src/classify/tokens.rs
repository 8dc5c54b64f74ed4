//! Column-name tokenisation: snake_case, kebab-case, camelCase, acronyms and
//! digit boundaries, all lower-cased.

/// Splits an identifier into lower-case tokens:
/// `idCardNo` → `id card no`, `USER_IDCard` → `user id card`, `addr2` → `addr 2`.
pub fn tokenize(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(['_', '-', ' ', '.', '$']) {
        let chars: Vec<char> = part.chars().collect();
        let mut cur = String::new();
        for (i, &c) in chars.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None => false,
                Some(p) => {
                    (p.is_lowercase() && c.is_uppercase())
                        || (p.is_uppercase()
                            && c.is_uppercase()
                            && next.is_some_and(|n| n.is_lowercase()))
                        || (p.is_ascii_digit() != c.is_ascii_digit())
                }
            };
            if boundary && !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.extend(c.to_lowercase());
        }
        if !cur.is_empty() {
            out.push(cur);
        }
    }
    out
}

/// Where `cue` occurs as a contiguous run in `tokens`: (start, len).
pub fn find_run(tokens: &[String], cue: &[String]) -> Option<(usize, usize)> {
    if cue.is_empty() || cue.len() > tokens.len() {
        return None;
    }
    (0..=tokens.len() - cue.len())
        .find(|&i| tokens[i..i + cue.len()] == *cue)
        .map(|i| (i, cue.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<String> {
        tokenize(s)
    }

    #[test]
    fn splits() {
        assert_eq!(t("idCardNo"), ["id", "card", "no"]);
        assert_eq!(t("USER_IDCard"), ["user", "id", "card"]);
        assert_eq!(t("ID_CARD"), ["id", "card"]);
        assert_eq!(t("addr2"), ["addr", "2"]);
        assert_eq!(t("sfzh"), ["sfzh"]);
        assert_eq!(t("phonenumber"), ["phonenumber"]);
        assert_eq!(t("e-mail"), ["e", "mail"]);
        assert!(t("__").is_empty());
    }

    #[test]
    fn runs() {
        let toks = t("user_id_card_no");
        assert_eq!(find_run(&toks, &t("id_card")), Some((1, 2)));
        assert_eq!(find_run(&toks, &t("card_id")), None);
    }
}
