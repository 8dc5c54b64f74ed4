//! Java sources read with tree-sitter: entity classes become datasets and
//! merge with the same table from DDL, generated code is skipped and
//! counted, and broken Java is read in part with a located diagnostic.

use crate::common::scan_json as scan;
use std::fs;
use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

const ENTITY: &str = r#"package x;

/** 会员 */
@Data
@TableName("t_member")
public class Member extends BaseEntity {
    @ApiModelProperty(value = "身份证号")
    private String idNo;
    /** 手机号 */
    private String mobile;
    @TableField(exist = false)
    private String roleNames;
}
"#;

const BASE: &str = r#"package x;
public abstract class BaseEntity {
    @TableId("id")
    private Long id;
}
"#;

const ORDER: &str = r#"package x;
@Entity
@Table(name = "t_order")
public class Order {
    @Column(name = "consignee_phone")
    @Schema(description = "收货人电话")
    private String phone;
    private static final String KIND = "o";
}
"#;

#[test]
fn entities_are_datasets_merged_with_ddl_and_generated_code_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "db/schema.sql",
        "CREATE TABLE t_member (id BIGINT, id_no VARCHAR(18), mobile VARCHAR(11));\n",
    );
    write(root, "src/main/java/x/Member.java", ENTITY);
    write(root, "src/main/java/x/BaseEntity.java", BASE);
    write(root, "src/main/java/x/Order.java", ORDER);
    write(root, "target/generated-sources/x/Gen.java", ORDER);
    write(root, "build/x/Gen2.java", ORDER);
    write(root, "src/main/java/x/Q.generated.java", ORDER);
    write(
        root,
        "src/main/java/x/QMember.java",
        "package x;\nimport javax.annotation.Generated;\n@Generated(\"com.querydsl.codegen.EntitySerializer\")\npublic class QMember { @Column(name = \"x\") private String phone; }\n",
    );
    // Lombok's `@Generated` only hides code from coverage: read.
    write(
        root,
        "src/main/java/x/Gateway.java",
        "package x;\nimport lombok.Generated;\n@Generated\n@Table(name = \"gateway\")\npublic class Gateway { @Column private String name; }\n",
    );
    let r = scan(root);
    let datasets = r["datasets"].as_array().unwrap();
    let names: Vec<&str> = datasets
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["t_member", "gateway", "t_order"], "{datasets:#?}");
    let member = &datasets[0];
    assert_eq!(member["location"]["file"], "db/schema.sql");
    assert_eq!(member["comment"], "会员");
    let fields: Vec<(&str, &str, Option<&str>)> = member["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap(),
                f["type"].as_str().unwrap(),
                f["comment"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            ("id", "bigint", None),
            ("id_no", "varchar(18)", Some("身份证号")),
            ("mobile", "varchar(11)", Some("手机号")),
        ]
    );
    let order = &datasets[2];
    assert_eq!(order["location"]["file"], "src/main/java/x/Order.java");
    assert_eq!(order["fields"][0]["name"], "consignee_phone");
    assert_eq!(order["fields"][0]["comment"], "收货人电话");
    assert_eq!(order["fields"].as_array().unwrap().len(), 1);
    let skipped: Vec<&str> = r["scan"]["files_skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        skipped,
        [
            "build/x/Gen2.java",
            "src/main/java/x/Q.generated.java",
            "src/main/java/x/QMember.java",
            "target/generated-sources/x/Gen.java",
        ]
    );
}

#[test]
fn broken_java_is_read_in_part_with_a_located_diagnostic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "src/Broken.java",
        "@TableName(\"t_user\")\npublic class User {\n    private String mobile;\n    private String = ;\n    private String idCard;\n}\n",
    );
    let r = scan(root);
    let diags = r["scan"]["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["file"], "src/Broken.java");
    assert_eq!(diags[0]["line"], 4);
    let fields: Vec<&str> = r["datasets"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"mobile") && fields.contains(&"id_card"),
        "{fields:?}"
    );
}

/// Malformed Java of every kind: the reader never panics, and what it
/// reports stays inside the file.
#[test]
fn malformed_java_never_panics_and_stays_located() {
    use piaudit::extract::{catalog::Catalog, java};
    use proptest::prelude::*;
    let pieces = prop::collection::vec(
        prop::sample::select(vec![
            "class ",
            "A",
            "{",
            "}",
            "(",
            ")",
            "@TableName(\"t\")",
            "@Column(name = ",
            "\"",
            "/*",
            "*/",
            "//",
            "\n",
            "private String phone;",
            "log.info(",
            "mobile",
            ";",
            "<",
            ">",
            "record R(",
            "enum E {",
            "extends B",
            "'",
            "\"\"\"",
            "手机",
        ]),
        0..60,
    );
    proptest!(ProptestConfig::with_cases(300), |(parts in pieces)| {
        let text: String = parts.concat();
        let f = java::extract("X.java", &text, &Catalog::default());
        let last = u32::try_from(text.matches('\n').count() + 1).unwrap();
        for d in &f.diagnostics {
            prop_assert!(d.line >= 1 && d.line <= last);
        }
        for t in &f.tables {
            prop_assert!(t.location.line >= 1 && t.location.line <= last);
            prop_assert!(t.columns.iter().all(|c| !c.name.is_empty()));
        }
        for c in &f.log_calls {
            prop_assert!(c.location.line >= 1 && c.location.line <= last);
        }
    });
    // Deep nesting is no stack overflow.
    let deep = "class A {".repeat(20_000);
    let f = java::extract("X.java", &deep, &Catalog::default());
    assert_eq!(f.diagnostics.len(), 1);
}
