//! Checks that keep the docs true, run as a test so CI enforces them with everything else:
//! every source file names what it owns in a `//!` line, and every file ARCHITECTURE.md
//! names exists.

use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).expect("crates/wabagate sits two levels down").to_owned()
}

fn rust_sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_sources(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_source_file_starts_with_a_module_doc() {
    let root = workspace_root();
    let mut sources = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            rust_sources(&src, &mut sources);
        }
    }
    let undocumented: Vec<String> = sources
        .iter()
        .filter(|path| !std::fs::read_to_string(path).unwrap().starts_with("//!"))
        .map(|path| path.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert!(undocumented.is_empty(), "these files do not start with a `//!` saying what they own: {undocumented:#?}");
}

#[test]
fn every_file_architecture_md_names_exists() {
    let root = workspace_root();
    let architecture = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let mut all_sources = Vec::new();
    rust_sources(&root.join("crates"), &mut all_sources);

    let mut missing = Vec::new();
    for quoted in architecture.split('`').skip(1).step_by(2) {
        let named = quoted.trim_end_matches('/');
        if named.starts_with("crates/") {
            if !root.join(named).exists() {
                missing.push(quoted.to_owned());
            }
        } else if named.ends_with(".rs")
            && !named.contains([' ', '*'])
            && !all_sources.iter().any(|path| path.ends_with(named))
        {
            missing.push(quoted.to_owned());
        }
    }
    for line in architecture.lines().filter(|line| line.starts_with("crates/")) {
        let path = line.split_whitespace().next().unwrap();
        if !root.join(path).exists() {
            missing.push(path.to_owned());
        }
    }
    assert!(missing.is_empty(), "ARCHITECTURE.md names files that do not exist: {missing:?}");
}
