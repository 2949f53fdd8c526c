//! Embeds every template definition in `forms/` into the binary, so that the
//! robot runs on its defaults with no files beside it. Adding a template
//! version means adding a file to `forms/`; nothing here changes.
//!
//! Each file's TOML is read here and embedded as JSON, the same tree, which
//! the engine reads about ten times as fast at every start; a file that is
//! not TOML stops the build.

#![allow(clippy::disallowed_methods)] // A build script reads forms/ and writes OUT_DIR: it is not the engine.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let forms_dir = manifest_dir.join("../../forms");
    println!("cargo:rerun-if-changed={}", forms_dir.display());

    let mut files: Vec<PathBuf> = fs::read_dir(&forms_dir)
        .expect("forms/ must exist")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();

    let mut code = String::from("&[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().and_then(|n| n.to_str()).expect("form file names are UTF-8");
        let text = fs::read_to_string(path).expect("form files are readable UTF-8");
        let tree: toml::Value =
            toml::from_str(&text).unwrap_or_else(|error| panic!("forms/{name} is not valid TOML: {error}"));
        let json = serde_json::to_string(&tree).expect("a TOML tree is JSON");
        writeln!(code, "    ({name:?}, {json:?}),").expect("writing to a String");
    }
    code.push(']');

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_forms.rs");
    fs::write(out, code).expect("OUT_DIR is writable");
}
