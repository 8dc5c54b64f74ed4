//! Embeds every YAML file under `rules/` in the binary, so a single
//! executable works offline with its default taxonomy, cues, law table and
//! rule packs (`--rules DIR` overlays files from disk at run time).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read at run time: `env!` would bake in the directory the build script
    // was compiled in, so a target dir shared with (or copied from) another
    // checkout embedded that checkout's rules.
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR set by cargo");
    let root = Path::new(&manifest_dir).join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut entries: Vec<(String, String)> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| {
            e.path()
                .extension()
                .is_some_and(|x| x == "yaml" || x == "yml")
        })
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(&root)
                .expect("walked below root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            (rel, e.path().display().to_string())
        })
        .collect();
    entries.sort();
    let mut code = String::from("/// Files of `rules/`, embedded at build time: (relative path, text).\npub static EMBEDDED: &[(&str, &str)] = &[\n");
    for (rel, abs) in entries {
        writeln!(code, "    ({rel:?}, include_str!({abs:?})),").expect("write to string");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR set by cargo"))
        .join("embedded_rules.rs");
    std::fs::write(out, code).expect("write embedded_rules.rs");
    write_source_fingerprint(Path::new(&manifest_dir));
}

/// Writes `source_fingerprint.rs`: a hash of every file under `src/` and
/// `rules/`, which the facts cache (`src/pipeline/cache.rs`) keys on, so a
/// build whose extractors read differently never reuses another build's
/// entries, whatever its version number says.
fn write_source_fingerprint(manifest_dir: &Path) {
    use std::hash::Hasher;
    println!("cargo:rerun-if-changed=src");
    let mut hasher = std::hash::DefaultHasher::new();
    for dir in ["src", "rules"] {
        let mut files: Vec<_> = walkdir::WalkDir::new(manifest_dir.join(dir))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        files.sort();
        for f in files {
            let rel = f.strip_prefix(manifest_dir).unwrap_or(&f);
            hasher.write(rel.to_string_lossy().as_bytes());
            let bytes = std::fs::read(&f).unwrap_or_default();
            hasher.write_usize(bytes.len());
            hasher.write(&bytes);
        }
    }
    let code = format!(
        "/// Hash of the sources this binary was built from.\npub const SOURCE_FINGERPRINT: u64 = {:#018x};\n",
        hasher.finish()
    );
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR set by cargo"))
        .join("source_fingerprint.rs");
    std::fs::write(out, code).expect("write source_fingerprint.rs");
}
