//! `physc lsp` as an editor starts it: a process spoken to in JSON-RPC over stdio. Opening
//! a file with a unit error publishes the error's code and range; fixing it clears them;
//! hover shows a field's declaration and a diagnostic's explanation; go to definition,
//! completion, references, rename, symbols and formatting answer; a file that does not parse keeps the server serving;
//! shutdown and exit end it with status 0.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

mod support;

struct Client {
    child: Child,
    stdin: ChildStdin,
    incoming: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_physc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("physc lsp starts");
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, incoming) = channel();
        std::thread::spawn(move || loop {
            let mut length = 0;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(v) = line.strip_prefix("Content-Length: ") {
                    length = v.parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            if stdout.read_exact(&mut body).is_err() {
                return;
            }
            if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                return;
            }
        });
        Client {
            child,
            stdin,
            incoming,
            next_id: 1,
        }
    }

    /// A server past the initialize handshake.
    fn initialized() -> Client {
        let mut client = Client::start();
        client.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        client.notify("initialized", json!({}));
        client
    }

    /// Shut the server down; it exits with status 0.
    fn finish(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        assert!(self.child.wait().unwrap().success());
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Send a request and wait for its response (notifications on the way are dropped).
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.next();
            if m["id"] == id {
                return m;
            }
        }
    }

    fn next(&mut self) -> Value {
        self.incoming
            .recv_timeout(Duration::from_secs(30))
            .expect("the server answers within 30 s")
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let m = self.next();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }
}

const UNIT_ERROR: &str = "model Heat {
  space    x in [0, 1] [m]
  time     t in [0, 1] [s]
  const    k = 0.1 [m^2 / s]
  const    L = 1 [m]
  const    u0 = 1 [K]
  field    u(x, t) [K]
  pde      dt(u) = k * dx(u)
  initial  u = u0 * sin(pi * x / L)
  boundary u = 0 at x = 0
}
";

#[test]
fn the_language_server_checks_hovers_and_formats_as_the_user_types() {
    let dir = support::scratch("lsp", "session");
    let path = dir.join("heat.phys");
    std::fs::write(&path, UNIT_ERROR).unwrap();
    let uri = format!("file://{}", path.display());
    let mut client = Client::start();
    let init = client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["hoverProvider"], true, "{init}");
    assert_eq!(caps["documentFormattingProvider"], true, "{init}");
    client.notify("initialized", json!({}));

    // A unit error: dt(u) is K/s, k dx(u) is m K/s.
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "phys", "version": 1, "text": UNIT_ERROR}}),
    );
    let diags = client.diagnostics(&uri);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert!(d["code"].as_str().unwrap().starts_with("E03"), "{d}");
    assert_eq!(d["severity"], 1);
    assert_eq!(d["range"]["start"]["line"], 7, "{d}");

    // Hover over the error explains its code; over `u` shows the field's declaration.
    let start = d["range"]["start"].clone();
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": start}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("**When.**"), "{text}");
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 8, "character": 11}}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("field u(x, t) [K]"), "{text}");
    // Built-ins: a math function's signature and units, a derivative operator, a constant.
    for (line, character, expect) in [
        (8, 21, "sin(x)"),
        (8, 21, "dimensionless argument"),
        (7, 11, "derivative of its argument along `t`"),
        (8, 25, "built-in constant"),
    ] {
        let hover = client.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        );
        let text = hover["result"]["contents"]["value"].as_str().unwrap_or("");
        assert!(text.contains(expect), "line {line}:{character}: {text}");
    }
    let def = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 7, "character": 19}}),
    );
    assert_eq!(def["result"]["range"]["start"]["line"], 3, "{def}");

    // Fixed: no diagnostics. Then a file that does not parse: an error, and the server
    // still answers.
    let fixed = UNIT_ERROR.replace("k * dx(u)", "k * dxx(u)");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    let broken = fixed.replace("pde      dt(u)", "pde      dt(u");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": broken}]}),
    );
    let diags = client.diagnostics(&uri);
    assert!(
        diags
            .iter()
            .any(|d| d["code"].as_str().unwrap().starts_with("E000")),
        "{diags:?}"
    );
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    assert!(symbols["result"].is_array(), "{symbols}");

    // Formatting: badly indented text comes back as `physc fmt` writes it.
    let messy = fixed.replace("  field    u(x, t) [K]", "      field   u(x,t) [K]");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{"text": messy}]}),
    );
    let edits = client.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edit = &edits["result"][0];
    assert_eq!(edit["newText"].as_str().unwrap(), fixed, "{edits}");
    let symbols = client.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(symbols["result"][0]["name"], "Heat", "{symbols}");
    assert_eq!(
        symbols["result"][0]["children"][0]["name"], "u",
        "{symbols}"
    );

    // Completion: the model's names in an equation; a train block's keys and calls.
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 7, "character": 19}}),
    );
    let names = labels(&items);
    assert!(
        names.iter().any(|l| l == "k") && names.iter().any(|l| l == "dxx"),
        "{names:?}"
    );
    let with_job = format!("{fixed}train Heat {{\n  optimize \n}}\n");
    client.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": with_job}]}),
    );
    let items = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 12, "character": 11}}),
    );
    let calls = labels(&items);
    assert!(
        calls.iter().any(|l| l == "ssbroyden") && calls.iter().any(|l| l == "lm"),
        "{calls:?}"
    );
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 12, "character": 4}}),
    );
    let text = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        text.contains("optimizers, run in sequence") && text.contains("default:"),
        "{text}"
    );

    // References and rename of the model's constant `k` (declared line 3, used line 7).
    let refs = client.request(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": {"line": 7, "character": 19},
               "context": {"includeDeclaration": true}}),
    );
    let lines: Vec<i64> = refs["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["range"]["start"]["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 7], "{refs}");
    let rename = |client: &mut Client, to: &str| {
        client.request(
            "textDocument/rename",
            json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": 11},
                   "newName": to}),
        )
    };
    let edit = rename(&mut client, "kappa");
    let edits = edit["result"]["changes"][uri.as_str()].as_array().unwrap();
    assert_eq!(edits.len(), 2, "{edit}");
    assert!(edits.iter().all(|e| e["newText"] == "kappa"));
    for refused in ["pde", "u", "two words"] {
        let r = rename(&mut client, refused);
        assert!(r["error"]["message"].is_string(), "{refused}: {r}");
    }

    let tokens = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    let data = tokens["result"]["data"].as_array().unwrap();
    assert!(
        data.len() >= 5 * 40 && data.len().is_multiple_of(5),
        "{tokens}"
    );
    // The first token is `model` at 0:0, a keyword (type 0 of the legend).
    assert_eq!(
        &data[..5],
        &[json!(0), json!(0), json!(5), json!(0), json!(0)][..]
    );

    let unknown = client.request("textDocument/inlayHint", json!({}));
    assert!(unknown["error"]["message"].as_str().is_some(), "{unknown}");

    client.finish();
}

/// Labels of a completion response.
fn labels(response: &Value) -> Vec<String> {
    response["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"))
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn open(client: &mut Client, uri: &str, text: &str) {
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "phys", "version": 1, "text": text}}),
    );
}

/// Completion inside `net mlp(` lists the call's options; go to definition of a standard
/// library operator opens the module's text at the operator.
#[test]
fn completion_of_network_options_and_definition_in_the_standard_library() {
    let dir = support::scratch("lsp", "stdlib");
    let path = dir.join("lap.phys");
    let text = "use std.operators\n\nmodel P {\n  space    x in [0, 1]\n  field    u(x)\n  pde      lap(u) = 1\n  boundary u = 0 on boundary\n}\n\ntrain P {\n  net      mlp(\n}\n";
    std::fs::write(&path, text).unwrap();
    let uri = format!("file://{}", path.display());
    let mut client = Client::initialized();
    open(&mut client, &uri, text);
    client.diagnostics(&uri);
    let options = labels(&client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": uri}, "position": {"line": 10, "character": 15}}),
    ));
    for option in ["width", "depth", "act", "features", "init"] {
        assert!(options.contains(&option.to_string()), "{options:?}");
    }
    let def = client.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 5, "character": 11}}),
    );
    let target = def["result"]["uri"]
        .as_str()
        .unwrap_or_else(|| panic!("{def}"));
    assert!(target.ends_with("/operators.phys"), "{target}");
    let line = def["result"]["range"]["start"]["line"].as_u64().unwrap() as usize;
    let file = target.strip_prefix("file://").unwrap();
    let opened = std::fs::read_to_string(file).unwrap();
    assert!(
        opened.lines().nth(line).unwrap().starts_with("fn lap"),
        "{line}"
    );
    client.finish();
}

/// Random edits of every example (deletions, insertions of stray characters, truncations)
/// sent as changes: the server publishes diagnostics for each and answers the next hover
/// and completion, within the client's 30 s limit, and exits cleanly at the end.
#[test]
fn random_edits_never_crash_or_stall_the_server() {
    let mut client = Client::initialized();
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut random = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    let mut examples: Vec<_> = std::fs::read_dir(support::root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "phys"))
        .collect();
    examples.sort();
    let mut version = 1;
    for path in &examples {
        let uri = format!("file://{}", path.display());
        let mut text = std::fs::read_to_string(path).unwrap();
        open(&mut client, &uri, &text);
        client.diagnostics(&uri);
        for _ in 0..4 {
            let mut at = random(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match random(3) {
                0 => {
                    let mut end = (at + 1 + random(40)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end += 1;
                    }
                    text.replace_range(at..end, "");
                }
                1 => text.insert_str(at, ["(", "}", "[m", "\"", "∂", "model", " @ "][random(7)]),
                _ => text.truncate(at),
            }
            version += 1;
            client.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
            );
            client.diagnostics(&uri);
            let line = random(text.lines().count().max(1));
            let position = json!({"line": line, "character": random(20)});
            let hover = client.request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": position}),
            );
            assert!(hover.get("error").is_none(), "{hover}");
            let completion = client.request(
                "textDocument/completion",
                json!({"textDocument": {"uri": uri}, "position": position}),
            );
            assert!(completion["result"].is_array(), "{completion}");
        }
        client.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }
    client.finish();
}

/// A document that uses another open document reads its unsaved text: breaking the used
/// file publishes an error in the user, fixing it clears it; an unrelated open document is
/// not published again.
#[test]
fn an_open_document_is_checked_against_the_unsaved_text_of_what_it_uses() {
    let dir = support::scratch("lsp", "imports");
    let (lib, main, other) = (
        dir.join("lib.phys"),
        dir.join("main.phys"),
        dir.join("other.phys"),
    );
    let lib_text = "const c = 2\n";
    let main_text = "use \"lib.phys\"\n\nmodel M {\n  time     t in [0, 1]\n  field    y(t)\n  ode      dt(y) = -c * y\n  initial  y = 1\n}\n";
    std::fs::write(&lib, lib_text).unwrap();
    std::fs::write(&main, main_text).unwrap();
    std::fs::write(&other, main_text.replace("lib.phys", "missing.phys")).unwrap();
    let uri = |p: &std::path::Path| format!("file://{}", p.display());
    let (lib_uri, main_uri, other_uri) = (uri(&lib), uri(&main), uri(&other));
    let mut client = Client::initialized();
    open(
        &mut client,
        &other_uri,
        &std::fs::read_to_string(&other).unwrap(),
    );
    assert!(
        !client.diagnostics(&other_uri).is_empty(),
        "missing.phys is E0007"
    );
    open(&mut client, &lib_uri, lib_text);
    client.diagnostics(&lib_uri);
    open(&mut client, &main_uri, main_text);
    assert_eq!(client.diagnostics(&main_uri), Vec::<Value>::new());
    let change = |client: &mut Client, text: &str, version: i64| {
        client.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": lib_uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    };
    change(&mut client, "const d = 2\n", 2);
    let mut published = Vec::new();
    let broken = loop {
        let m = client.next();
        if m["method"] == "textDocument/publishDiagnostics" {
            let uri = m["params"]["uri"].as_str().unwrap().to_string();
            published.push(uri.clone());
            if uri == main_uri {
                break m["params"]["diagnostics"].clone();
            }
        }
    };
    assert_eq!(broken[0]["code"], "E0100", "{broken}");
    change(&mut client, lib_text, 3);
    assert_eq!(client.diagnostics(&main_uri), Vec::<Value>::new());
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": main_uri}, "position": {"line": 0, "character": 0}}),
    );
    assert!(hover.get("error").is_none());
    assert!(
        !published.contains(&other_uri),
        "the unrelated document was compiled again"
    );
    client.finish();
}

/// Go to definition on a qualified name (`b.lap`, `b` a module imported `as b`) goes to
/// that module's `lap`, though another imported module defines one too.
#[test]
fn definition_of_a_qualified_name_goes_to_its_module() {
    let dir = support::scratch("lsp", "qualified");
    std::fs::write(dir.join("a.phys"), "fn lap(u) = dxx(u)\n").unwrap();
    std::fs::write(dir.join("b.phys"), "// b's own\n\nfn lap(u) = 2 * dxx(u)\n").unwrap();
    let path = dir.join("main.phys");
    let text = "use \"a.phys\" as a\nuse \"b.phys\" as b\n\nmodel P {\n  space    x in [0, 1]\n  field    u(x)\n  pde      a.lap(u) + b.lap(u) = 1\n  boundary u = 0 on boundary\n}\n";
    std::fs::write(&path, text).unwrap();
    let uri = format!("file://{}", path.display());
    let mut client = Client::initialized();
    open(&mut client, &uri, text);
    assert_eq!(client.diagnostics(&uri), Vec::<Value>::new());
    for (character, file, line) in [(13, "/a.phys", 0), (24, "/b.phys", 2)] {
        let def = client.request(
            "textDocument/definition",
            json!({"textDocument": {"uri": uri}, "position": {"line": 6, "character": character}}),
        );
        let target = def["result"]["uri"]
            .as_str()
            .unwrap_or_else(|| panic!("{def}"));
        assert!(target.ends_with(file), "{character}: {target}");
        assert_eq!(def["result"]["range"]["start"]["line"], line, "{def}");
    }
    client.finish();
}
