//! The command line as recorded in the manifest: every secret masked.

use crate::db::redact_urls;

/// Masks what must not be recorded in one argument list: the password of
/// any `scheme://user:password@` URL, `password=`-like query values, the
/// value of a password-like option (`--db-password X`, `--token=X`), and
/// anywhere in an argument the value of an environment variable the
/// command names as holding a secret (`${VAR}` in an argument, the
/// `--password-env VAR`, `PGPASSWORD`, `MYSQL_PWD`), in case a shell
/// expanded it.
pub fn command_line(args: &[String], env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let mut secrets: Vec<String> = Vec::new();
    let mut vars: Vec<String> = vec!["PGPASSWORD".into(), "MYSQL_PWD".into()];
    for (i, a) in args.iter().enumerate() {
        let mut rest = a.as_str();
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            vars.push(after[..end].to_string());
            rest = &after[end + 1..];
        }
        if a == "--password-env" {
            vars.extend(args.get(i + 1).cloned());
        } else if let Some(v) = a.strip_prefix("--password-env=") {
            vars.push(v.to_string());
        }
    }
    for v in vars {
        if let Some(value) = env(&v).filter(|s| s.len() >= 3) {
            secrets.push(value);
        }
    }
    // Longest first, so a secret containing another is masked whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = Vec::with_capacity(args.len());
    let mut mask_next = false;
    for a in args {
        if mask_next {
            out.push("***".to_string());
            mask_next = false;
            continue;
        }
        let mut a = redact_urls(a);
        a = redact_query_secrets(&a);
        for s in &secrets {
            a = a.replace(s.as_str(), "***");
        }
        if let Some(flag) = a.strip_prefix('-').filter(|f| secret_option(f)) {
            match flag.split_once('=') {
                Some((name, _)) => a = format!("-{name}=***"),
                None => mask_next = true,
            }
        }
        out.push(a);
    }
    out
}

/// Whether an option (without its first `-`) carries a secret as its value.
fn secret_option(flag: &str) -> bool {
    let name = flag
        .split('=')
        .next()
        .unwrap_or("")
        .trim_start_matches('-')
        .to_ascii_lowercase();
    // `--password-env VAR` names a variable; its value is no secret.
    !name.ends_with("-env")
        && ["password", "passwd", "pwd", "secret", "token", "passphrase"]
            .iter()
            .any(|w| name.contains(w))
}

/// Masks the values of `password=`-like pairs (`?password=x&user=y`).
fn redact_query_secrets(arg: &str) -> String {
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(eq) = rest.find('=') {
        let key_start = rest[..eq].rfind(['?', '&', ';', ' ']).map_or(0, |i| i + 1);
        let key = &rest[key_start..eq];
        let value_end = rest[eq + 1..]
            .find(['&', ';', ' '])
            .map_or(rest.len(), |i| eq + 1 + i);
        out.push_str(&rest[..=eq]);
        if key_start > 0 && secret_option(key) {
            out.push_str("***");
        } else {
            out.push_str(&rest[eq + 1..value_end]);
        }
        rest = &rest[value_end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_recorded_command_line() {
        let env = |v: &str| match v {
            "PGPASSWORD" => Some("pg-secret-1".to_string()),
            "DB_PASS" => Some("hunter22".to_string()),
            "OTHER" => Some("expanded!".to_string()),
            _ => None,
        };
        let args: Vec<String> = [
            "piaudit",
            "scan",
            "src",
            "--db",
            "postgres://app:s3cret@db:5432/shop",
            "--db",
            "mysql://app:${DB_PASS}@db/shop?password=qwerty&charset=utf8",
            "--password-env",
            "OTHER",
            "--api-token",
            "tok123",
            "--db-password=abc123",
            "--out",
            "run-with-hunter22-and-expanded!-and-pg-secret-1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let got = command_line(&args, &env);
        let joined = got.join(" ");
        for secret in [
            "s3cret",
            "qwerty",
            "tok123",
            "abc123",
            "hunter22",
            "expanded!",
            "pg-secret-1",
        ] {
            assert!(!joined.contains(secret), "{secret} in {joined}");
        }
        assert_eq!(got[4], "postgres://app:***@db:5432/shop");
        assert_eq!(got[6], "mysql://app:***@db/shop?password=***&charset=utf8");
        // The variable's name is kept: it is no secret.
        assert_eq!(got[8], "OTHER");
        assert_eq!(&got[9..12], ["--api-token", "***", "--db-password=***"]);
        assert_eq!(got[13], "run-with-***-and-***-and-***");
        assert_eq!(&got[..4], &args[..4]);
    }
}
