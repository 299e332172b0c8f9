//! Find references and rename, for names the document declares: a model's own names
//! (variables, constants, parameters, fields, `let`s, functions, parts) are found in that
//! model and in the jobs that target it; top-level constants, functions and models in the
//! whole document. Occurrences are the lexer's name tokens, so comments and strings are
//! never touched. Names declared in another file (an imported module, the standard
//! library) are not renamed from here.

use super::analysis::{word_at, Analysis};
use super::convert::{offset, range};
use lsp_types as lsp;
use physc_compiler::syntax::{ast, lexer};
use std::collections::HashMap;
use std::ops::Range;

impl Analysis {
    /// Every occurrence of the name under the cursor, when the document declares it.
    pub fn references(&self, at: lsp::Position, document: &lsp::Uri) -> Option<Vec<lsp::Location>> {
        let text = self.text(self.root);
        let ranges = self.occurrences(offset(text, at))?;
        Some(
            ranges
                .into_iter()
                .map(|r| lsp::Location::new(document.clone(), range(text, r)))
                .collect(),
        )
    }

    /// The edits that rename the name under the cursor to `new_name`, or why not.
    pub fn rename(
        &self,
        at: lsp::Position,
        new_name: &str,
        document: &lsp::Uri,
    ) -> Result<lsp::WorkspaceEdit, String> {
        let text = self.text(self.root);
        let byte = offset(text, at);
        let valid = lexer::lex(new_name).tokens.as_slice()
            == [(0, lexer::Token::Ident(new_name.to_string()), new_name.len())];
        if !valid {
            return Err(format!(
                "`{new_name}` is not a name (a keyword, or not a single word)"
            ));
        }
        if self.declaration(new_name, byte).is_some() {
            return Err(format!("`{new_name}` is already declared here"));
        }
        let ranges = self
            .occurrences(byte)
            .ok_or("only names this file declares can be renamed here")?;
        let edits = ranges
            .into_iter()
            .map(|r| lsp::TextEdit {
                range: range(text, r),
                new_text: new_name.to_string(),
            })
            .collect();
        Ok(lsp::WorkspaceEdit {
            changes: Some(HashMap::from([(document.clone(), edits)])),
            ..Default::default()
        })
    }

    /// The byte ranges of the name at byte `at` where its declaration is seen, if the
    /// document declares it.
    fn occurrences(&self, at: usize) -> Option<Vec<Range<usize>>> {
        let text = self.text(self.root);
        let (name, _) = word_at(text, at)?;
        let (_, declared) = self.declaration(name, at)?;
        if declared.file != self.root {
            return None;
        }
        let module = self.compilation.modules.first()?;
        // A model member is seen in its model and the jobs that target the model.
        let model = module.ast.items.iter().find_map(|item| match item {
            ast::Item::Model(m)
                if m.span.range().contains(&(declared.start as usize))
                    && m.name.span != declared =>
            {
                Some(m)
            }
            _ => None,
        });
        let scopes: Vec<Range<usize>> = match model {
            Some(m) => std::iter::once(m.span.range())
                .chain(module.ast.items.iter().filter_map(|item| match item {
                    ast::Item::Job(j) if j.target.name == m.name.name => Some(j.span.range()),
                    _ => None,
                }))
                .collect(),
            None => std::iter::once(0..text.len()).collect(),
        };
        Some(
            lexer::lex(text)
                .tokens
                .into_iter()
                .filter(|(start, token, _)| {
                    matches!(token, lexer::Token::Ident(n) if n == name)
                        && scopes.iter().any(|s| s.contains(start))
                })
                .map(|(start, _, end)| start..end)
                .collect(),
        )
    }
}
