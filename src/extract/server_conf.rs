//! Server configuration of datastores in `.conf` files, for packs that read
//! the extended controls (see [`super::EXTENDED_CONTROL_KINDS`]):
//! `redis*.conf` (`bind 0.0.0.0`, `requirepass`, `protected-mode no`) and
//! `mongod*.conf` (`bindIp: 0.0.0.0`, `bindIpAll: true`,
//! `authorization: enabled|disabled`). Other `.conf` files are left to the
//! SeaTunnel reader. Passwords are never kept.

use super::FileFacts;
use crate::model::{Control, Location};

/// Reads one `.conf` file if its name says Redis or MongoDB.
pub fn read(file: &str, text: &str, facts: &mut FileFacts) {
    let name = file.rsplit('/').next().unwrap_or(file).to_ascii_lowercase();
    let store = if name.starts_with("redis") || name.starts_with("sentinel") {
        "redis"
    } else if name.starts_with("mongod") {
        "mongodb"
    } else {
        return;
    };
    let mut push = |kind: &str, line: usize, value: String| {
        facts.controls.push(Control {
            subject: Some(store.to_string()),
            value: Some(value),
            ..Control::at(
                kind,
                Location::line(file, u32::try_from(line + 1).unwrap_or(u32::MAX)),
            )
        });
    };
    let mut auth: Option<usize> = None;
    let mut unprotected: Option<usize> = None;
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.starts_with('#') || l.is_empty() {
            continue;
        }
        let lower = l.to_ascii_lowercase();
        let mut words = lower.split_whitespace();
        match (store, words.next()) {
            ("redis", Some("bind")) if words.any(|w| w == "0.0.0.0" || w == "*" || w == "::") => {
                push("datastore_bind_all", i, "bind 0.0.0.0".into());
            }
            ("redis", Some("requirepass")) if words.next().is_some() => auth = Some(i),
            ("redis", Some("protected-mode")) if words.next() == Some("no") => {
                unprotected = Some(i);
            }
            ("mongodb", _) => {
                let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
                if compact.starts_with("bindip:") && compact.contains("0.0.0.0")
                    || compact == "bindipall:true"
                {
                    push("datastore_bind_all", i, l.to_string());
                } else if compact == "authorization:enabled" {
                    auth = Some(i);
                } else if compact == "authorization:disabled" {
                    unprotected = Some(i);
                }
            }
            _ => {}
        }
    }
    match (auth, unprotected) {
        (Some(i), _) => push("datastore_auth", i, "authentication configured".into()),
        (None, Some(i)) => push(
            "datastore_no_auth",
            i,
            "no password and protection off".into(),
        ),
        (None, None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(file: &str, text: &str) -> Vec<(String, u32)> {
        let mut f = FileFacts::default();
        read(file, text, &mut f);
        f.controls
            .into_iter()
            .map(|c| (c.kind, c.location.line))
            .collect()
    }

    #[test]
    fn redis_and_mongodb() {
        assert_eq!(
            kinds(
                "deploy/redis.conf",
                "# bind 127.0.0.1\nbind 0.0.0.0\nprotected-mode no\n"
            ),
            [
                ("datastore_bind_all".into(), 2),
                ("datastore_no_auth".into(), 3)
            ]
        );
        assert_eq!(
            kinds("redis.conf", "bind 10.0.0.1\nrequirepass s3cret\n"),
            [("datastore_auth".into(), 2)]
        );
        assert_eq!(
            kinds(
                "mongod.conf",
                "net:\n  bindIp: 0.0.0.0\nsecurity:\n  authorization: disabled\n"
            ),
            [
                ("datastore_bind_all".into(), 2),
                ("datastore_no_auth".into(), 4)
            ]
        );
        assert!(kinds("job.conf", "bind 0.0.0.0\n").is_empty());
    }
}
