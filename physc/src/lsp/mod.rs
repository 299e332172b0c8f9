//! `physc lsp`: a language server speaking the Language Server Protocol over a
//! [`Connection`] (stdio for editors, in memory for tests). It offers diagnostics as the
//! user types (the codes, messages and spans of `physc check`, imported files and the
//! standard library included, open documents' unsaved text standing in for their files),
//! hover (a diagnostic's explanation, a name's declaration, a setting's type, default and
//! doc), completion from the settings schema and the model's names, go to definition,
//! find references and rename of the document's own names, semantic tokens, document
//! symbols and formatting by `physc fmt`.
//!
//! Edits are debounced by draining: every message already waiting is read before any
//! document is compiled, so a burst of keystrokes costs one compilation. A change
//! compiles the document again, and every open document whose last compilation read it
//! (one may import another); the others keep their analyses. A panic
//! while compiling (a compiler bug) becomes a diagnostic, and one while answering a
//! request an error response; the server keeps serving. The
//! library never prints: the server writes only to its connection.

mod analysis;
mod builtin_docs;
mod complete;
pub mod convert;
mod references;
mod tokens;

use analysis::{analyse, Analysis, Overlay};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// What the server tells a client it can do.
pub fn capabilities() -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Kind(
            lsp::TextDocumentSyncKind::FULL,
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        definition_provider: Some(lsp::OneOf::Left(true)),
        document_formatting_provider: Some(lsp::OneOf::Left(true)),
        document_symbol_provider: Some(lsp::OneOf::Left(true)),
        references_provider: Some(lsp::OneOf::Left(true)),
        semantic_tokens_provider: Some(
            lsp::SemanticTokensServerCapabilities::SemanticTokensOptions(
                lsp::SemanticTokensOptions {
                    legend: tokens::legend(),
                    full: Some(lsp::SemanticTokensFullOptions::Bool(true)),
                    ..Default::default()
                },
            ),
        ),
        rename_provider: Some(lsp::OneOf::Left(true)),
        completion_provider: Some(lsp::CompletionOptions {
            trigger_characters: Some(vec!["(".into(), ".".into(), " ".into()]),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// Serve one client on `connection` until it shuts down: the initialize handshake, then
/// requests and notifications. `Err` says why the connection failed.
pub fn serve(connection: &Connection) -> Result<(), String> {
    let caps = serde_json::to_value(capabilities()).map_err(|e| e.to_string())?;
    connection
        .initialize(caps)
        .map_err(|e| format!("initialize: {e}"))?;
    let mut server = Server::default();
    while let Ok(first) = connection.receiver.recv() {
        let mut batch = vec![first];
        batch.extend(connection.receiver.try_iter());
        let mut requests = Vec::new();
        for message in batch {
            match message {
                Message::Request(r) => requests.push(r),
                Message::Notification(n) => server.notify(n),
                Message::Response(_) => {}
            }
        }
        server.publish(connection)?;
        for request in requests {
            if connection
                .handle_shutdown(&request)
                .map_err(|e| format!("shutdown: {e}"))?
            {
                return Ok(());
            }
            // A bug in answering one request must not take the editor's server down.
            let id = request.id.clone();
            let response =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.answer(request)))
                    .unwrap_or_else(|_| {
                        Response::new_err(
                            id,
                            ErrorCode::InternalError as i32,
                            "physc could not answer this request (an internal error)".into(),
                        )
                    });
            send(connection, Message::Response(response))?;
        }
    }
    Ok(())
}

fn send(connection: &Connection, message: Message) -> Result<(), String> {
    connection
        .sender
        .send(message)
        .map_err(|e| format!("the client went away: {e}"))
}

#[derive(Default)]
struct Server {
    /// Open documents' text, by URI, and by canonical path for the compiler's imports.
    documents: HashMap<lsp::Uri, String>,
    by_path: HashMap<PathBuf, String>,
    analyses: HashMap<lsp::Uri, Analysis>,
    /// Documents closed since the last publication (their diagnostics are cleared).
    closed: Vec<lsp::Uri>,
    /// Documents to compile again: those changed, and those that use a changed one.
    dirty: HashSet<lsp::Uri>,
}

impl Server {
    fn notify(&mut self, n: Notification) {
        match n.method.as_str() {
            lsp::notification::DidOpenTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp::DidOpenTextDocumentParams>(
                    lsp::notification::DidOpenTextDocument::METHOD,
                ) {
                    self.set(p.text_document.uri, p.text_document.text);
                }
            }
            lsp::notification::DidChangeTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp::DidChangeTextDocumentParams>(
                    lsp::notification::DidChangeTextDocument::METHOD,
                ) {
                    // Full synchronisation: the last change holds the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        self.set(p.text_document.uri, change.text);
                    }
                }
            }
            lsp::notification::DidCloseTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp::DidCloseTextDocumentParams>(
                    lsp::notification::DidCloseTextDocument::METHOD,
                ) {
                    let uri = p.text_document.uri;
                    // Documents that used its unsaved text read the file again.
                    self.touch(&uri);
                    if let Some(path) = convert::path_of(&uri) {
                        self.by_path.remove(&canonical(&path));
                    }
                    self.documents.remove(&uri);
                    self.analyses.remove(&uri);
                    self.dirty.remove(&uri);
                    self.closed.push(uri);
                }
            }
            _ => {}
        }
    }

    fn set(&mut self, uri: lsp::Uri, text: String) {
        if let Some(path) = convert::path_of(&uri) {
            self.by_path.insert(canonical(&path), text.clone());
        }
        self.touch(&uri);
        self.documents.insert(uri, text);
    }

    /// Mark `uri` and every open document whose last compilation read it to be compiled
    /// again.
    fn touch(&mut self, uri: &lsp::Uri) {
        self.dirty.insert(uri.clone());
        let Some(path) = convert::path_of(uri).map(|p| canonical(&p)) else {
            return;
        };
        for (other, analysis) in &self.analyses {
            if analysis.reads(&path) {
                self.dirty.insert(other.clone());
            }
        }
    }

    /// Compile the changed documents (and those using them) again and publish their
    /// diagnostics.
    fn publish(&mut self, connection: &Connection) -> Result<(), String> {
        for uri in std::mem::take(&mut self.closed) {
            publish(connection, uri, Vec::new())?;
        }
        let overlay = Overlay {
            open: &self.by_path,
        };
        for uri in std::mem::take(&mut self.dirty) {
            let Some(text) = self.documents.get(&uri) else {
                continue;
            };
            let uri = &uri;
            let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                analyse(uri, text, &overlay)
            }));
            match compiled {
                Ok(analysis) => {
                    let diagnostics = analysis.diagnostics(uri);
                    self.analyses.insert(uri.clone(), analysis);
                    publish(connection, uri.clone(), diagnostics)?;
                }
                Err(_) => {
                    self.analyses.remove(uri);
                    let internal = lsp::Diagnostic {
                        message: "physc could not check this file (an internal error); please report it with the file".into(),
                        source: Some("physc".into()),
                        severity: Some(lsp::DiagnosticSeverity::ERROR),
                        ..Default::default()
                    };
                    publish(connection, uri.clone(), vec![internal])?;
                }
            }
        }
        Ok(())
    }

    fn answer(&self, request: Request) -> Response {
        let id = request.id.clone();
        let result = match request.method.as_str() {
            lsp::request::HoverRequest::METHOD => self.with::<lsp::HoverParams, _>(
                request,
                |p| &p.text_document_position_params.text_document.uri,
                |a, p, _| serde_json::to_value(a.hover(p.text_document_position_params.position)),
            ),
            lsp::request::GotoDefinition::METHOD => self.with::<lsp::GotoDefinitionParams, _>(
                request,
                |p| &p.text_document_position_params.text_document.uri,
                |a, p, uri| {
                    let target = a.definition(p.text_document_position_params.position, uri);
                    serde_json::to_value(target.map(lsp::GotoDefinitionResponse::Scalar))
                },
            ),
            lsp::request::Completion::METHOD => self.with::<lsp::CompletionParams, _>(
                request,
                |p| &p.text_document_position.text_document.uri,
                |a, p, _| {
                    let items = a.completion(p.text_document_position.position);
                    serde_json::to_value(lsp::CompletionResponse::Array(items))
                },
            ),
            lsp::request::References::METHOD => self.with::<lsp::ReferenceParams, _>(
                request,
                |p| &p.text_document_position.text_document.uri,
                |a, p, uri| {
                    serde_json::to_value(a.references(p.text_document_position.position, uri))
                },
            ),
            lsp::request::Rename::METHOD => {
                let method = request.method.clone();
                match request.extract::<lsp::RenameParams>(&method) {
                    Ok((_, p)) => {
                        let uri = &p.text_document_position.text_document.uri;
                        match self.analyses.get(uri) {
                            Some(a) => a
                                .rename(p.text_document_position.position, &p.new_name, uri)
                                .map(|edit| serde_json::to_value(edit).unwrap_or_default())
                                .map_err(|why| (ErrorCode::InvalidParams, why)),
                            None => Err(not_open(uri)),
                        }
                    }
                    Err(e) => Err((ErrorCode::InvalidParams, e.to_string())),
                }
            }
            lsp::request::SemanticTokensFullRequest::METHOD => self
                .with::<lsp::SemanticTokensParams, _>(
                    request,
                    |p| &p.text_document.uri,
                    |a, _, _| serde_json::to_value(a.semantic_tokens()),
                ),
            lsp::request::DocumentSymbolRequest::METHOD => self
                .with::<lsp::DocumentSymbolParams, _>(
                    request,
                    |p| &p.text_document.uri,
                    |a, _, _| {
                        serde_json::to_value(lsp::DocumentSymbolResponse::Nested(a.symbols()))
                    },
                ),
            lsp::request::Formatting::METHOD => {
                match request
                    .extract::<lsp::DocumentFormattingParams>(lsp::request::Formatting::METHOD)
                {
                    Ok((_, p)) => match self.documents.get(&p.text_document.uri) {
                        Some(text) => {
                            Ok(serde_json::to_value(analysis::format(text)).unwrap_or_default())
                        }
                        None => Err(not_open(&p.text_document.uri)),
                    },
                    Err(e) => Err((ErrorCode::InvalidParams, e.to_string())),
                }
            }
            method => Err((
                ErrorCode::MethodNotFound,
                format!("physc does not serve `{method}`"),
            )),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    /// Answer a request about an open document from its analysis.
    fn with<P, F>(
        &self,
        request: Request,
        uri_of: impl Fn(&P) -> &lsp::Uri,
        answer: F,
    ) -> Result<serde_json::Value, (ErrorCode, String)>
    where
        P: serde::de::DeserializeOwned,
        F: Fn(&Analysis, &P, &lsp::Uri) -> serde_json::Result<serde_json::Value>,
    {
        let method = request.method.clone();
        let (_, params) = request
            .extract::<P>(&method)
            .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))?;
        let uri = uri_of(&params);
        let analysis = self.analyses.get(uri).ok_or_else(|| not_open(uri))?;
        answer(analysis, &params, uri).map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }
}

fn not_open(uri: &lsp::Uri) -> (ErrorCode, String) {
    (
        ErrorCode::InvalidParams,
        format!("`{}` is not open", uri.as_str()),
    )
}

fn canonical(path: &std::path::Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn publish(
    connection: &Connection,
    uri: lsp::Uri,
    diagnostics: Vec<lsp::Diagnostic>,
) -> Result<(), String> {
    let params = lsp::PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    };
    send(
        connection,
        Message::Notification(Notification::new(
            lsp::notification::PublishDiagnostics::METHOD.to_string(),
            params,
        )),
    )
}
