//! Build files (`pom.xml`, `build.gradle`, `build.gradle.kts`): only the
//! coordinates (`groupId:artifactId`) of declared dependencies, matched
//! against the SDK catalogue's `coordinates`. A catalogued client library
//! is a third-party SDK endpoint at the dependency's line. Test-scoped
//! dependencies (`<scope>test</scope>`, `testImplementation`) are skipped.

use super::catalog::Catalog;
use super::FileFacts;
use crate::model::{LineIndex, Location};
use regex::Regex;
use std::sync::LazyLock;

/// Reads the build files of one module.
pub struct BuildFile;

impl super::registry::Extractor for BuildFile {
    fn extract(&self, s: &super::Source, cx: &super::registry::ExtractContext<'_>) -> FileFacts {
        extract(&s.rel, &s.text, cx.catalog)
    }
}

/// A dependency's coordinates and the byte offset where it is declared.
fn dependencies(file: &str, text: &str) -> Vec<(String, String, usize)> {
    static POM_DEP: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)<dependency>(.*?)</dependency>").expect("valid regex"));
    static POM_TAG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"<(groupId|artifactId|scope)>\s*([^<\s]+)\s*</").expect("valid regex")
    });
    static GRADLE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"(?m)^\s*(\w+)\s*\(?\s*(?:platform\s*\(\s*)?['"]([\w.\-]+):([\w.\-]+)(?::[^'"]*)?['"]"#,
        )
        .expect("valid regex")
    });
    static GRADLE_MAP: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r#"(?m)^\s*(\w+)\s*\(?\s*group\s*[:=]\s*['"]([\w.\-]+)['"]\s*,\s*name\s*[:=]\s*['"]([\w.\-]+)['"]"#,
        )
        .expect("valid regex")
    });
    static XML_COMMENT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?s)<!--.*?-->").expect("valid regex"));
    let mut out = Vec::new();
    if file.to_ascii_lowercase().ends_with(".xml") {
        // A commented-out dependency is not declared: comments are blanked
        // (line breaks kept, so offsets and lines still match).
        let text = &*XML_COMMENT.replace_all(text, |c: &regex::Captures<'_>| {
            // Byte for byte (a Chinese comment is 3 bytes a character).
            c[0].chars()
                .map(|ch| {
                    if ch == '\n' {
                        "\n".to_string()
                    } else {
                        " ".repeat(ch.len_utf8())
                    }
                })
                .collect::<String>()
        });
        for dep in POM_DEP.captures_iter(text) {
            let body = dep.get(1).expect("group");
            let (mut group, mut artifact, mut test) = (None, None, false);
            for tag in POM_TAG.captures_iter(body.as_str()) {
                let value = tag[2].to_string();
                match &tag[1] {
                    "groupId" => group = Some(value),
                    "artifactId" => artifact = Some(value),
                    _ => test = value.eq_ignore_ascii_case("test"),
                }
            }
            if let (Some(g), Some(a), false) = (group, artifact, test) {
                out.push((g, a, body.start()));
            }
        }
        return out;
    }
    for re in [&*GRADLE, &*GRADLE_MAP] {
        for c in re.captures_iter(text) {
            let configuration = c[1].to_ascii_lowercase();
            if configuration.starts_with("test") || configuration.starts_with("androidtest") {
                continue;
            }
            let at = c.get(2).expect("group").start();
            out.push((c[2].to_string(), c[3].to_string(), at));
        }
    }
    out.sort_by_key(|d| d.2);
    out
}

/// Reads one build file.
pub fn extract(file: &str, text: &str, catalog: &Catalog) -> FileFacts {
    let mut facts = FileFacts {
        file: file.to_string(),
        ..FileFacts::default()
    };
    let lines = LineIndex::new(text);
    for (group, artifact, at) in dependencies(file, text) {
        let Some(sdk) = catalog.sdk_for_coordinate(&group, &artifact) else {
            continue;
        };
        let id = sdk.endpoint_id();
        if facts.endpoints.iter().any(|e| e.id == id) {
            continue;
        }
        facts
            .endpoints
            .push(sdk.library_endpoint(Location::line(file, lines.line(at))));
    }
    facts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogued_client_libraries_are_sdks() {
        let pom = "<project>\n<dependencies>\n  <dependency>\n    <groupId>org.springframework.cloud</groupId>\n    <artifactId>spring-cloud-starter-netflix-eureka-client</artifactId>\n  </dependency>\n  <dependency>\n    <groupId>com.github.binarywang</groupId>\n    <artifactId>weixin-java-pay</artifactId>\n    <version>4.5.0</version>\n  </dependency>\n  <dependency>\n    <groupId>io.sentry</groupId>\n    <artifactId>sentry</artifactId>\n    <scope>test</scope>\n  </dependency>\n</dependencies>\n</project>\n";
        let commented = "<project>\n<!-- 旧版 SDK\n  <dependency>\n    <groupId>com.tencentcloudapi</groupId>\n    <artifactId>tencentcloud-sdk-java</artifactId>\n  </dependency>\n-->\n<!-- 支付 -->\n<dependency>\n<groupId>com.alipay.sdk</groupId>\n<artifactId>alipay-sdk-java</artifactId>\n</dependency>\n</project>\n";
        let got: Vec<(String, u32)> = extract("pom.xml", commented, &Catalog::embedded())
            .endpoints
            .iter()
            .map(|e| (e.id.clone(), e.location.line))
            .collect();
        assert_eq!(got, [("endpoint:sdk:alipay".to_string(), 9)]);
        let f = extract("pom.xml", pom, &Catalog::embedded());
        let got: Vec<(&str, u32, bool)> = f
            .endpoints
            .iter()
            .map(|e| (e.id.as_str(), e.location.line, e.third_party))
            .collect();
        assert_eq!(got, [("endpoint:sdk:wechat-pay", 7, true)]);
        let gradle = "dependencies {\n    implementation 'com.alipay.sdk:alipay-sdk-java:4.38.0.ALL'\n    implementation(\"io.sentry:sentry-spring-boot-starter:6.0.0\")\n    testImplementation 'com.google.firebase:firebase-admin:9.0.0'\n    api group: 'com.baidu.aip', name: 'java-sdk', version: '4.16.0'\n    implementation 'com.aliyunx:dysmsapi:1'\n}\n";
        let f = extract("app/build.gradle", gradle, &Catalog::embedded());
        let got: Vec<(&str, u32)> = f
            .endpoints
            .iter()
            .map(|e| (e.id.as_str(), e.location.line))
            .collect();
        assert_eq!(
            got,
            [
                ("endpoint:sdk:alipay", 2),
                ("endpoint:sdk:sentry", 3),
                ("endpoint:sdk:baidu-ocr", 5)
            ]
        );
    }
}
