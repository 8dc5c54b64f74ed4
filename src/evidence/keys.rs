//! Ed25519 keys for signing the manifest (`ed25519-dalek`).
//!
//! Accepted private keys (`--sign-key FILE`): PKCS#8 PEM (`-----BEGIN
//! PRIVATE KEY-----`, as written by `piaudit keygen` and by `openssl genpkey
//! -algorithm ed25519`), PKCS#8 DER, or the raw 32-byte seed. Public keys
//! (`verify --pubkey FILE`): SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC
//! KEY-----`, as written beside the manifest and by `openssl pkey -pubout`),
//! its DER, or the raw 32 bytes.

use crate::error::Error;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use std::path::Path;

/// Reads a private key file; any problem is a usage error (exit 2) naming
/// the file, never quoting its content.
pub fn read_private(path: &Path) -> Result<SigningKey, Error> {
    let bad = |why: String| {
        Error::Usage(format!(
            "--sign-key {}: {why} / 签名私钥文件无法使用",
            path.display()
        ))
    };
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    parse_private(&bytes).map_err(bad)
}

/// Parses a private key: PKCS#8 PEM, PKCS#8 DER or a raw 32-byte seed.
pub fn parse_private(bytes: &[u8]) -> Result<SigningKey, String> {
    if let Ok(seed) = <[u8; 32]>::try_from(bytes) {
        return Ok(SigningKey::from_bytes(&seed));
    }
    if let Some(text) = pem_text(bytes) {
        if text.contains("-----BEGIN PUBLIC KEY-----") {
            return Err("this is a public key; give the private key".into());
        }
        return SigningKey::from_pkcs8_pem(text)
            .map_err(|e| format!("not an Ed25519 PKCS#8 PEM private key ({e})"));
    }
    SigningKey::from_pkcs8_der(bytes).map_err(|_| {
        "not an Ed25519 private key: expected PKCS#8 PEM (BEGIN PRIVATE KEY), \
         PKCS#8 DER or a raw 32-byte seed"
            .to_string()
    })
}

/// Reads a public key file; problems are usage errors (exit 2).
pub fn read_public(path: &Path, what: &str) -> Result<VerifyingKey, Error> {
    let bad = |why: String| Error::Usage(format!("{what} {}: {why}", path.display()));
    let bytes = std::fs::read(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    parse_public(&bytes).map_err(bad)
}

/// Parses a public key: SPKI PEM, SPKI DER or the raw 32 bytes.
pub fn parse_public(bytes: &[u8]) -> Result<VerifyingKey, String> {
    if let Ok(raw) = <[u8; 32]>::try_from(bytes) {
        return VerifyingKey::from_bytes(&raw).map_err(|e| format!("not an Ed25519 key ({e})"));
    }
    if let Some(text) = pem_text(bytes) {
        return VerifyingKey::from_public_key_pem(text)
            .map_err(|e| format!("not an Ed25519 PEM public key ({e})"));
    }
    VerifyingKey::from_public_key_der(bytes).map_err(|_| {
        "not an Ed25519 public key: expected PEM (BEGIN PUBLIC KEY), DER or 32 raw bytes"
            .to_string()
    })
}

/// The text of a PEM file (surrounding whitespace trimmed), if it is one.
fn pem_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    text.starts_with("-----BEGIN ").then_some(text)
}

/// The public key as SPKI PEM (`manifest.pub`).
pub fn public_pem(key: &VerifyingKey) -> Result<String, String> {
    key.to_public_key_pem(LineEnding::LF)
        .map_err(|e| e.to_string())
}

/// The private key as PKCS#8 PEM (`piaudit keygen`).
pub fn private_pem(key: &SigningKey) -> Result<String, String> {
    key.to_pkcs8_pem(LineEnding::LF)
        .map(|pem| pem.as_str().to_string())
        .map_err(|e| e.to_string())
}

/// A new key from the operating system's random source.
pub fn generate() -> Result<SigningKey, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| format!("no random source: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    Ok(key)
}

/// The raw 64-byte signature of `message`.
pub fn sign(key: &SigningKey, message: &[u8]) -> [u8; 64] {
    key.sign(message).to_bytes()
}

/// Whether `signature` (raw 64 bytes) is `key`'s signature of `message`
/// (strict verification: no malleable or weak-key signatures).
pub fn verifies(key: &VerifyingKey, message: &[u8], signature: &[u8]) -> bool {
    let Ok(raw) = <[u8; 64]>::try_from(signature) else {
        return false;
    };
    key.verify_strict(message, &Signature::from_bytes(&raw))
        .is_ok()
}

/// A short fingerprint of a public key: SHA-256 of its 32 bytes, hex,
/// the first 16 bytes.
pub fn fingerprint(key: &VerifyingKey) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.as_bytes());
    super::hex(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_in_every_accepted_form_and_sign() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let pem = private_pem(&key).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
        let der = key.to_pkcs8_der().unwrap();
        for form in [pem.as_bytes(), der.as_bytes(), &[7u8; 32][..]] {
            let got = parse_private(form).unwrap();
            assert_eq!(got.to_bytes(), key.to_bytes());
        }
        let public = key.verifying_key();
        let pub_pem = public_pem(&public).unwrap();
        assert_eq!(parse_public(pub_pem.as_bytes()).unwrap(), public);
        assert_eq!(parse_public(public.as_bytes()).unwrap(), public);
        let sig = sign(&key, b"manifest");
        assert!(verifies(&public, b"manifest", &sig));
        assert!(!verifies(&public, b"manifesT", &sig));
        assert!(!verifies(&public, b"manifest", &sig[..63]));
        let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        assert!(!verifies(&other, b"manifest", &sig));
        assert_ne!(fingerprint(&public), fingerprint(&other));
    }

    #[test]
    fn malformed_keys_are_refused_without_quoting_them() {
        let e = parse_private(b"secret-looking garbage").unwrap_err();
        assert!(!e.contains("garbage"), "{e}");
        assert!(
            parse_private(b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
                .is_err()
        );
        let public = public_pem(&SigningKey::from_bytes(&[1u8; 32]).verifying_key()).unwrap();
        assert!(parse_private(public.as_bytes())
            .unwrap_err()
            .contains("public key"));
        assert!(parse_public(b"nope").is_err());
        let err = read_private(Path::new("/nonexistent/key.pem")).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }
}
