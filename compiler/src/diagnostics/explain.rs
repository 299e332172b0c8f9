//! Long explanations of diagnostic codes, for `physc explain CODE` (as `rustc --explain`)
//! and for editors: each code's section of `spec/diagnostics.md`, embedded when the
//! compiler is built. The explanation a user reads is therefore the one the spec publishes,
//! with its example and the message physc prints for it, which `tests/diagnostics.rs`
//! keeps in step with the catalogue and the example files.

use super::Code;

/// The published catalogue.
const SPEC: &str = include_str!("../../../spec/diagnostics.md");

impl Code {
    /// The code written as `text` (`E0201`, `e0201`), if it is one.
    pub fn parse(text: &str) -> Option<Code> {
        let text = text.trim();
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(text))
    }

    /// The code's section of the spec without its heading: when it is raised, an example,
    /// what physc prints for it and how to fix it (Markdown). Every code has one (a test
    /// checks it); the title alone should one ever be missing.
    pub fn explanation(self) -> &'static str {
        let heading = format!("\n## {} ", self.as_str());
        let Some(at) = SPEC.find(&heading) else {
            return self.title();
        };
        let section = &SPEC[at + 1..];
        let body = section.find('\n').map_or("", |eol| &section[eol + 1..]);
        let end = body.find("\n## ").map_or(body.len(), |e| e + 1);
        body[..end].trim()
    }

    /// Codes that look like `text` (the same stage: same letter and first two digits),
    /// for "did you mean" when `text` is not a code.
    pub fn near(text: &str) -> Vec<Code> {
        let text = text.trim().to_ascii_uppercase();
        let prefix = text.get(..3).unwrap_or(&text).to_string();
        Code::ALL
            .iter()
            .copied()
            .filter(|c| !prefix.is_empty() && c.as_str().starts_with(&prefix))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_explanation_with_an_example() {
        for &code in Code::ALL {
            let text = code.explanation();
            assert!(text.contains("**When.**"), "{}: {text}", code.as_str());
            // Codes raised while running (E05xx) have no example file.
            if text.contains("**Example**") {
                assert!(
                    text.contains(&format!("[{}]", code.as_str())),
                    "{}'s explanation shows no message of its own",
                    code.as_str()
                );
            }
            assert!(
                !text.contains("\n## "),
                "{} runs into the next section",
                code.as_str()
            );
        }
    }

    #[test]
    fn codes_parse_in_either_case_and_near_misses_are_suggested() {
        assert_eq!(Code::parse("e0201"), Some(Code::DerivativeWrtNonInput));
        assert_eq!(Code::parse(" E0201 "), Some(Code::DerivativeWrtNonInput));
        assert_eq!(Code::parse("E9999"), None);
        assert!(Code::near("E0299").contains(&Code::DerivativeWrtNonInput));
        assert!(Code::near("X").is_empty());
    }
}
