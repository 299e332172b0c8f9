//! Compiles the parser `tree-sitter generate` wrote to src/parser.c (committed, so no
//! tree-sitter CLI is needed to build).

fn main() {
    let src = std::path::Path::new("src");
    cc::Build::new()
        .include(src)
        .file(src.join("parser.c"))
        .warnings(false)
        .compile("tree-sitter-phys");
    println!("cargo:rerun-if-changed=src/parser.c");
}
