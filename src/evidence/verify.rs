//! `piaudit verify DIR`: re-checks an evidence package offline.

use super::{files_under, keys, text, Entry, Manifest, MANIFEST, MANIFEST_TEXT, OWN_FILES};
use super::{PUBLIC_KEY, SIGNATURE};
use crate::error::Error;
use std::path::Path;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// As recorded.
    Ok,
    /// Different from what was recorded.
    Changed,
    /// Recorded but gone.
    Missing,
    /// Present but not recorded.
    Extra,
    /// Nothing to check (e.g. no signature and no `--pubkey`).
    Note,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "OK      / 一致",
            Status::Changed => "CHANGED / 已改动",
            Status::Missing => "MISSING / 缺失",
            Status::Extra => "EXTRA   / 多出",
            Status::Note => "NOTE    / 说明",
        }
    }
}

/// One line of the verification: what was checked and how it came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Outcome.
    pub status: Status,
    /// The file (or `signature`).
    pub what: String,
    /// Details (expected and found digests, key fingerprint).
    pub detail: String,
}

/// Every check made, in order; intact when none failed.
#[derive(Debug, Clone, Default)]
pub struct Verification {
    /// The checks.
    pub checks: Vec<Check>,
}

impl Verification {
    /// True when nothing was changed, missing or added.
    pub fn intact(&self) -> bool {
        self.checks
            .iter()
            .all(|c| matches!(c.status, Status::Ok | Status::Note))
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| !matches!(c.status, Status::Ok | Status::Note))
    }

    /// The report printed by `piaudit verify`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        for c in &self.checks {
            s.push_str(c.status.label());
            s.push_str("  ");
            s.push_str(&c.what);
            if !c.detail.is_empty() {
                s.push_str("  (");
                s.push_str(&c.detail);
                s.push(')');
            }
            s.push('\n');
        }
        let failed = self.failures().count();
        if failed == 0 {
            s.push_str("result: intact / 结论：证据包完整，未发现改动\n");
        } else {
            s.push_str(&format!(
                "result: {failed} changed / 结论：发现 {failed} 处改动、缺失或多出\n"
            ));
        }
        s
    }

    fn push(&mut self, status: Status, what: impl Into<String>, detail: impl Into<String>) {
        self.checks.push(Check {
            status,
            what: what.into(),
            detail: detail.into(),
        });
    }

    /// Checks one recorded file at `path` against its entry.
    fn file(&mut self, shown: &str, path: &Path, e: &Entry) {
        match std::fs::read(path) {
            Ok(bytes) => {
                let found = Entry::of(&e.path, &bytes);
                if found.sha256 == e.sha256 && found.size == e.size {
                    self.push(Status::Ok, shown, "");
                } else {
                    self.push(
                        Status::Changed,
                        shown,
                        format!(
                            "sha256 recorded {}, found {}; size {} → {}",
                            e.sha256, found.sha256, e.size, found.size
                        ),
                    );
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                self.push(Status::Missing, shown, "")
            }
            Err(e) => self.push(Status::Changed, shown, format!("unreadable: {e}")),
        }
    }
}

/// Verifies the evidence package in `dir` (a `--out` folder): the
/// signature of the manifest (against `pubkey` when given, else the key
/// beside it), every report file's digest, files added to `dir`, the text
/// manifest, and with `source` every scanned file under it. An unreadable
/// `dir`, manifest or `pubkey` is a usage error (exit 2); what was changed
/// is in the [`Verification`].
pub fn verify(
    dir: &Path,
    pubkey: Option<&Path>,
    source: Option<&Path>,
) -> Result<Verification, Error> {
    let manifest_path = dir.join(MANIFEST);
    let json = std::fs::read(&manifest_path).map_err(|e| {
        Error::Usage(format!(
            "{}: cannot read the evidence manifest ({e}); was the scan run with --evidence? / 未找到证据清单",
            manifest_path.display()
        ))
    })?;
    let trusted = pubkey
        .map(|p| keys::read_public(p, "--pubkey"))
        .transpose()?;
    let mut v = Verification::default();
    signature(&mut v, dir, &json, trusted);
    // A newer manifest this build cannot read is a usage error, unless a
    // failed signature says it was tampered with.
    #[derive(serde::Deserialize)]
    struct Version {
        manifest_version: Option<u32>,
    }
    if let Ok(Version {
        manifest_version: Some(n),
    }) = serde_json::from_slice(&json)
    {
        if n > super::MANIFEST_VERSION && v.intact() {
            return Err(Error::Usage(format!(
                "{}: manifest version {n} was written by a newer piaudit (this one reads {}); \
                 verify it with that version / 清单版本较新，请用生成它的版本核验",
                manifest_path.display(),
                super::MANIFEST_VERSION
            )));
        }
    }
    let manifest: Manifest = match serde_json::from_slice(&json) {
        Ok(m) => m,
        Err(e) => {
            v.push(
                Status::Changed,
                MANIFEST,
                format!("not a piaudit manifest any more: {e}"),
            );
            return Ok(v);
        }
    };
    // The report files, then anything added beside them.
    for e in &manifest.reports {
        if inside(&e.path) {
            v.file(&e.path, &dir.join(&e.path), e);
        } else {
            // Written by piaudit only under --out: a manifest edited by hand.
            v.push(
                Status::Changed,
                MANIFEST,
                format!("report path `{}` points outside the folder", e.path),
            );
        }
    }
    let recorded: Vec<&str> = manifest.reports.iter().map(|e| e.path.as_str()).collect();
    for (rel, _) in files_under(dir)? {
        if !recorded.contains(&rel.as_str()) && !OWN_FILES.contains(&rel.as_str()) {
            v.push(Status::Extra, rel, "not in the manifest / 清单中没有此文件");
        }
    }
    match std::fs::read(dir.join(MANIFEST_TEXT)) {
        Ok(t) if t == text(&manifest).as_bytes() => v.push(Status::Ok, MANIFEST_TEXT, ""),
        Ok(_) => v.push(
            Status::Changed,
            MANIFEST_TEXT,
            "differs from manifest.json / 与 manifest.json 不一致",
        ),
        Err(_) => v.push(Status::Missing, MANIFEST_TEXT, ""),
    }
    if let Some(root) = source {
        sources(&mut v, &manifest, root);
    }
    Ok(v)
}

/// Whether a recorded report path stays inside the report folder.
fn inside(rel: &str) -> bool {
    let p = Path::new(rel);
    !rel.is_empty()
        && p.components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Checks the signature. Unsigned and no `--pubkey`: a note only (the
/// digests still prove nothing changed since the manifest was written,
/// unless the manifest was rewritten too).
fn signature(
    v: &mut Verification,
    dir: &Path,
    json: &[u8],
    trusted: Option<ed25519_dalek::VerifyingKey>,
) {
    let sig = std::fs::read(dir.join(SIGNATURE)).ok();
    let beside = std::fs::read(dir.join(PUBLIC_KEY))
        .ok()
        .map(|b| keys::parse_public(&b));
    let Some(sig) = sig else {
        if trusted.is_some() {
            v.push(
                Status::Missing,
                SIGNATURE,
                "--pubkey given but the manifest is not signed / 清单未签名",
            );
        } else {
            v.push(
                Status::Note,
                "signature",
                "the manifest is not signed (use --sign-key) / 清单未签名",
            );
        }
        return;
    };
    let (key, whose) = match (trusted, beside) {
        (Some(k), _) => (k, "--pubkey"),
        (None, Some(Ok(k))) => (k, PUBLIC_KEY),
        (None, Some(Err(e))) => {
            v.push(Status::Changed, PUBLIC_KEY, e);
            return;
        }
        (None, None) => {
            v.push(
                Status::Missing,
                PUBLIC_KEY,
                "signature without a public key; pass --pubkey",
            );
            return;
        }
    };
    let fp = keys::fingerprint(&key);
    if keys::verifies(&key, json, &sig) {
        let trust = if whose == "--pubkey" {
            "signed by the key you gave / 由所给公钥签名"
        } else {
            "checked against the key shipped beside it; pass --pubkey with the key you trust / 仅用随附公钥核验"
        };
        v.push(
            Status::Ok,
            "signature",
            format!("Ed25519 key {fp} ({whose}); {trust}"),
        );
    } else {
        v.push(
            Status::Changed,
            "signature",
            format!(
                "invalid for key {fp} ({whose}): the manifest or signature was changed after signing, \
                 or another key signed it / 签名无效"
            ),
        );
    }
}

/// Checks the scanned files under `root` (and the `--config` file, as
/// given), and, when the scan walked one folder, reports files discovered
/// under `root` now that the scan did not record.
fn sources(v: &mut Verification, m: &Manifest, root: &Path) {
    for e in &m.files {
        v.file(&format!("source: {}", e.path), &root.join(&e.path), e);
    }
    if let Some(d) = &m.declarations {
        v.file(&format!("source: {}", d.path), Path::new(&d.path), d);
    }
    if m.walked.len() != 1 {
        return;
    }
    let known: std::collections::BTreeSet<&str> = m
        .files
        .iter()
        .map(|e| e.path.as_str())
        .chain(m.skipped.iter().map(|s| s.path.as_str()))
        .collect();
    let opts = crate::discover::WalkOptions::default();
    if let Ok(found) = crate::discover::discover(&[root.to_path_buf()], &opts) {
        let now = found
            .files
            .iter()
            .map(|f| f.rel.as_str())
            .chain(found.skipped.iter().map(|s| s.file.as_str()));
        for rel in now {
            if !known.contains(rel) {
                v.push(
                    Status::Extra,
                    format!("source: {rel}"),
                    "not read by the scan / 扫描时不存在或未读取",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_inside_the_folder_are_opened() {
        assert!(inside("report.json"));
        assert!(inside("sub/report.md"));
        for bad in ["", "../etc/passwd", "/etc/passwd", "a/../../b", "./x"] {
            assert!(!inside(bad), "{bad}");
        }
    }
}
