pub use physc_compiler as compiler;
