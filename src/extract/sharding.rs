//! ShardingSphere encrypt and mask rules, in standalone YAML (`rules:
//! - !ENCRYPT …`, 5.x) or Spring keys (`spring.shardingsphere.rules.encrypt.…`,
//! `spring.shardingsphere.encrypt.…` in 4.x): each configured column becomes
//! a [`ProtectionRule`]. The physical columns an encrypt rule names are
//! protected too: the cipher column and the like-query column hold
//! ciphertext, the assisted-query column a digest (`cipher.name` /
//! `assistedQuery.name` / `likeQuery.name` in 5.3+, `cipherColumn` /
//! `assistedQueryColumn` / `likeQueryColumn` before); a `plainColumn` is not.

use super::text::YamlDoc;
use super::{FileFacts, ProtectionRule};
use crate::model::{Location, Protection};
use std::collections::HashMap;

/// Adds the protections one YAML document (or properties file) declares.
pub fn read(file: &str, doc: &YamlDoc, facts: &mut FileFacts) {
    // `rules[0]: !ENCRYPT` — the tag of each list item.
    let tags: HashMap<&str, &str> = doc
        .entries
        .iter()
        .filter(|e| e.key.ends_with(']') && e.value.starts_with('!'))
        .map(|e| (e.key.as_str(), e.value.as_str()))
        .collect();
    let mut seen: Vec<(String, String)> = Vec::new();
    for e in &doc.entries {
        let segs: Vec<&str> = e.key.split('.').collect();
        let Some(i) = segs
            .windows(3)
            .position(|w| w[0] == "tables" && w[2] == "columns")
        else {
            continue;
        };
        let (Some(table), Some(column)) = (segs.get(i + 1), segs.get(i + 3)) else {
            continue;
        };
        let prefix = segs[..i].join(".");
        let lower = prefix.to_ascii_lowercase();
        let tag = tags.get(prefix.as_str()).map(|t| t.to_ascii_uppercase());
        let protection = if lower.ends_with("encrypt") || tag.as_deref() == Some("!ENCRYPT") {
            Protection::Encrypted
        } else if lower.ends_with("mask") || tag.as_deref() == Some("!MASK") {
            Protection::Masked
        } else {
            continue;
        };
        if protection == Protection::Encrypted {
            let rest = segs[i + 4..].join(".").to_ascii_lowercase();
            let physical = match rest.as_str() {
                "cipher.name" | "ciphercolumn" => Some((Protection::Encrypted, "encrypt_rule")),
                "likequery.name" | "likequerycolumn" => {
                    Some((Protection::Encrypted, "encrypt_like_query"))
                }
                "assistedquery.name" | "assistedquerycolumn" => {
                    Some((Protection::Hashed, "encrypt_assisted_query"))
                }
                _ => None,
            };
            let name = e.value.trim().trim_matches(|c| c == '"' || c == '\'');
            if let Some((p, kind)) = physical.filter(|_| !name.is_empty()) {
                let key = (table.to_string(), name.to_string());
                if !seen.contains(&key) {
                    seen.push(key);
                    facts.protections.push(ProtectionRule {
                        table: Some(table.to_string()),
                        column: name.to_string(),
                        protection: p,
                        kind: kind.into(),
                        location: Location::line(file, e.line),
                    });
                }
            }
        }
        let key = (table.to_string(), column.to_string());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        facts.protections.push(ProtectionRule {
            table: Some(table.to_string()),
            column: column.to_string(),
            protection,
            kind: match protection {
                Protection::Masked => "mask_rule".into(),
                _ => "encrypt_rule".into(),
            },
            location: Location::line(file, e.line),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::text::{flatten_yaml, parse_properties};

    #[test]
    fn standalone_and_spring_forms() {
        let y = "rules:\n- !ENCRYPT\n  tables:\n    t_user:\n      columns:\n        phone:\n          cipher:\n            name: phone_cipher\n            encryptorName: aes\n- !MASK\n  tables:\n    t_user:\n      columns:\n        id_card:\n          maskAlgorithm: keep\n";
        let mut f = FileFacts::default();
        for d in flatten_yaml(y) {
            read("s.yaml", &d, &mut f);
        }
        let got: Vec<(&str, Protection, u32)> = f
            .protections
            .iter()
            .map(|p| (p.column.as_str(), p.protection, p.location.line))
            .collect();
        assert_eq!(
            got,
            [
                ("phone", Protection::Encrypted, 6),
                ("phone_cipher", Protection::Encrypted, 8),
                ("id_card", Protection::Masked, 14)
            ]
        );
        let p = "spring.shardingsphere.encrypt.tables.t_order.columns.receiver_mobile.cipherColumn=m_cipher\n";
        let mut f = FileFacts::default();
        read(
            "a.properties",
            &YamlDoc {
                entries: parse_properties(p),
                line: 1,
            },
            &mut f,
        );
        assert_eq!(f.protections[0].table.as_deref(), Some("t_order"));
        let neg = "spring.shardingsphere.sharding.tables.t_order.columns.x.y=1\n";
        let mut f = FileFacts::default();
        read(
            "b.properties",
            &YamlDoc {
                entries: parse_properties(neg),
                line: 1,
            },
            &mut f,
        );
        assert!(f.protections.is_empty());
    }

    #[test]
    fn assisted_and_like_query_columns_are_protected_plain_column_is_not() {
        let y = "rules:\n- !ENCRYPT\n  tables:\n    t_user:\n      columns:\n        mobile:\n          cipher:\n            name: mobile_cipher\n            encryptorName: sm4\n          assistedQuery:\n            name: mobile_assisted\n            encryptorName: sm3\n          likeQuery:\n            name: mobile_like\n            encryptorName: like\n";
        let mut f = FileFacts::default();
        for d in flatten_yaml(y) {
            read("s.yaml", &d, &mut f);
        }
        let got: Vec<(&str, Protection, &str)> = f
            .protections
            .iter()
            .map(|p| (p.column.as_str(), p.protection, p.kind.as_str()))
            .collect();
        assert!(got.contains(&("mobile_cipher", Protection::Encrypted, "encrypt_rule")));
        assert!(got.contains(&(
            "mobile_assisted",
            Protection::Hashed,
            "encrypt_assisted_query"
        )));
        assert!(got.contains(&("mobile_like", Protection::Encrypted, "encrypt_like_query")));
        let p = "spring.shardingsphere.encrypt.tables.t_u.columns.idno.plainColumn=idno_plain\nspring.shardingsphere.encrypt.tables.t_u.columns.idno.assistedQueryColumn=idno_digest\n";
        let mut f = FileFacts::default();
        read(
            "a.properties",
            &YamlDoc {
                entries: parse_properties(p),
                line: 1,
            },
            &mut f,
        );
        let cols: Vec<&str> = f.protections.iter().map(|p| p.column.as_str()).collect();
        assert!(cols.contains(&"idno_digest"), "{cols:?}");
        assert!(!cols.contains(&"idno_plain"), "{cols:?}");
    }
}
