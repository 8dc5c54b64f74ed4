//! The words in Java class and annotation names that declare a column
//! protected (`rules/catalog/protection_names.yaml`), shared by the MyBatis
//! mapper and Java extractors so a type handler means the same in both.
//!
//! The extractors are called without the loaded rules, so the built-in copy
//! is parsed once on first use ([`ProtectionNames::builtin`]); a `--rules`
//! overlay does not replace it.

use crate::data::parse_yaml;
use crate::error::Error;
use crate::model::Protection;
use serde::Deserialize;
use std::sync::LazyLock;

/// Path of the vocabulary inside the rules directory.
pub const PROTECTION_NAMES_FILE: &str = "catalog/protection_names.yaml";

/// Words saying a class encrypts or masks (matched in lower case).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassWords {
    #[serde(default)]
    encrypted: Vec<String>,
    #[serde(default)]
    masked: Vec<String>,
}

/// Parts of an annotation name (matched with case).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NameParts {
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    starts_with: Vec<String>,
}

impl NameParts {
    fn matches(&self, name: &str) -> bool {
        self.contains.iter().any(|w| name.contains(w.as_str()))
            || self
                .starts_with
                .iter()
                .any(|w| name.starts_with(w.as_str()))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnotationNames {
    encrypted: NameParts,
    output_masked: NameParts,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SerializerWords {
    masked: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamesFile {
    #[allow(dead_code)]
    version: u32,
    type_handlers: ClassWords,
    json_serializers: SerializerWords,
    annotations: AnnotationNames,
}

/// The loaded vocabulary.
#[derive(Debug, Clone)]
pub struct ProtectionNames {
    type_handlers: ClassWords,
    serializers_masked: Vec<String>,
    annotations: AnnotationNames,
    /// Every word above in lower case, for a cheap "may declare anything" test.
    all_words_lower: Vec<String>,
}

impl ProtectionNames {
    /// Parses the vocabulary file; words of class names are lower-cased.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let file: NamesFile = parse_yaml(PROTECTION_NAMES_FILE, text)?;
        let lower = |words: Vec<String>| -> Vec<String> {
            words.into_iter().map(|w| w.to_lowercase()).collect()
        };
        let type_handlers = ClassWords {
            encrypted: lower(file.type_handlers.encrypted),
            masked: lower(file.type_handlers.masked),
        };
        let serializers_masked = lower(file.json_serializers.masked);
        let annotations = file.annotations;
        let mut all_words_lower: Vec<String> = type_handlers
            .encrypted
            .iter()
            .chain(&type_handlers.masked)
            .chain(&serializers_masked)
            .cloned()
            .chain(
                [&annotations.encrypted, &annotations.output_masked]
                    .into_iter()
                    .flat_map(|p| p.contains.iter().chain(&p.starts_with))
                    .map(|w| w.to_lowercase()),
            )
            .collect();
        all_words_lower.sort();
        all_words_lower.dedup();
        Ok(ProtectionNames {
            type_handlers,
            serializers_masked,
            annotations,
            all_words_lower,
        })
    }

    /// The vocabulary built into the binary, parsed on first use.
    pub fn builtin() -> &'static ProtectionNames {
        // Included here rather than looked up in `crate::data`'s table so
        // the compiler, not a run-time lookup, guarantees it is there.
        static TEXT: &str = include_str!("../../rules/catalog/protection_names.yaml");
        static BUILTIN: LazyLock<ProtectionNames> = LazyLock::new(|| {
            // The unit tests parse it: the built-in file is not user input.
            ProtectionNames::parse(TEXT).expect("built-in protection_names.yaml parses")
        });
        &BUILTIN
    }

    /// The protection a type handler or JPA converter class promises, by
    /// its simple name (`com.x.Sm4TypeHandler` → encrypted).
    pub fn type_handler(&self, class: &str) -> Option<Protection> {
        let simple = simple_name(class).to_lowercase();
        let has = |words: &[String]| words.iter().any(|w| simple.contains(w.as_str()));
        if has(&self.type_handlers.encrypted) {
            Some(Protection::Encrypted)
        } else if has(&self.type_handlers.masked) {
            Some(Protection::Masked)
        } else {
            None
        }
    }

    /// True when a JSON serializer class masks what it writes.
    pub fn serializer_masks(&self, class: &str) -> bool {
        let simple = simple_name(class).to_lowercase();
        self.serializers_masked
            .iter()
            .any(|w| simple.contains(w.as_str()))
    }

    /// True when an annotation (`@SM4Field`, written with or without `@`
    /// and arguments) declares its field stored encrypted.
    pub fn annotation_encrypts(&self, annotation: &str) -> bool {
        self.annotations
            .encrypted
            .matches(annotation_name(annotation))
    }

    /// True when an annotation (`@Sensitive(type = …)`) masks its field's
    /// value in JSON output.
    pub fn annotation_masks_output(&self, annotation: &str) -> bool {
        self.annotations
            .output_masked
            .matches(annotation_name(annotation))
    }

    /// True when lower-cased source text holds any word of the vocabulary,
    /// i.e. might declare a protection at all.
    pub fn mentioned_in(&self, lower_text: &str) -> bool {
        self.all_words_lower
            .iter()
            .any(|w| lower_text.contains(w.as_str()))
    }
}

/// `com.example.Sm4TypeHandler` → `Sm4TypeHandler`.
fn simple_name(class: &str) -> &str {
    let class = class.trim();
    class.rsplit('.').next().unwrap_or(class)
}

/// `@EncryptField(x = 1)` → `EncryptField`: the identifier after the `@`.
fn annotation_name(annotation: &str) -> &str {
    let a = annotation.trim_start();
    let a = a.strip_prefix('@').unwrap_or(a);
    let end = a
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(a.len(), |(i, _)| i);
    &a[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_vocabulary_parses_and_reads_handlers_and_annotations() {
        let names = ProtectionNames::builtin();
        assert_eq!(
            names.type_handler("com.example.crypto.Sm4EncryptTypeHandler"),
            Some(Protection::Encrypted)
        );
        assert_eq!(
            names.type_handler("AesTypeHandler"),
            Some(Protection::Encrypted)
        );
        assert_eq!(
            names.type_handler("SensitiveTypeHandler"),
            Some(Protection::Masked)
        );
        assert_eq!(
            names.type_handler("PhoneMaskHandler"),
            Some(Protection::Masked)
        );
        // The package says nothing about what the handler does.
        assert_eq!(names.type_handler("com.crypto.JacksonTypeHandler"), None);
        assert!(names.serializer_masks("com.x.IdCardMaskSerializer"));
        assert!(!names.serializer_masks("com.mask.ToStringSerializer"));

        assert!(names.annotation_encrypts("@EncryptField"));
        assert!(names.annotation_encrypts("@SM4Field(key = \"k\")"));
        assert!(names.annotation_encrypts("@AesCrypt"));
        assert!(!names.annotation_encrypts("@MySM4Field"), "SM4 is a prefix");
        assert!(
            !names.annotation_encrypts("@encrypted"),
            "annotations match with case"
        );
        assert!(names.annotation_masks_output("@Sensitive(type = SensitiveType.NAME)"));
        assert!(names.annotation_masks_output("@Desensitization"));
        assert!(names.annotation_masks_output("@DataMask"));
        assert!(names.annotation_masks_output("@JsonDesensitize"));
        assert!(!names.annotation_masks_output("@Desensible"));
        assert!(!names.annotation_masks_output("@TableField(\"mask\")"));

        assert!(names.mentioned_in("@tablefield(typehandler = sm4typehandler.class)"));
        assert!(names.mentioned_in("@desensitization"));
        assert!(!names.mentioned_in("private string phone;"));
    }

    #[test]
    fn a_broken_vocabulary_is_a_rules_error_naming_the_file() {
        let err =
            ProtectionNames::parse("version: 1\ntype_handlers: {encrypted: [a], masks: [b]}\n")
                .unwrap_err();
        assert!(err.to_string().contains(PROTECTION_NAMES_FILE), "{err}");
        assert!(err.to_string().contains("masks"), "{err}");
    }

    /// The bug this catalogue fixed: `SensitiveTypeHandler` masked a column
    /// in a mapper but not on a MyBatis-Plus entity.
    #[test]
    fn java_entities_and_mappers_agree_on_a_type_handler() {
        let java = r#"@TableName("t_member")
public class Member {
    @TableField(value = "mobile", typeHandler = com.x.SensitiveTypeHandler.class)
    private String phone;
    @TableField(typeHandler = com.crypto.JacksonTypeHandler.class)
    private List<String> tags;
}
"#;
        let from_java = super::super::java::extract(
            "Member.java",
            java,
            &super::super::catalog::Catalog::default(),
        );
        let mapper = r#"<mapper namespace="m">
<update id="u">UPDATE t_member SET mobile = #{phone,typeHandler=com.x.SensitiveTypeHandler}</update>
</mapper>"#;
        let from_mapper = super::super::mybatis::extract("M.xml", mapper, None).facts;
        let protections = |facts: &super::super::FileFacts| -> Vec<(String, Protection, u32)> {
            facts
                .protections
                .iter()
                .map(|p| (p.column.clone(), p.protection, p.location.line))
                .collect()
        };
        assert_eq!(
            protections(&from_java),
            [("mobile".to_string(), Protection::Masked, 3)]
        );
        assert_eq!(
            protections(&from_mapper),
            [("mobile".to_string(), Protection::Masked, 2)]
        );
    }
}
