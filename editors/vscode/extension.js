// Starts `physc lsp` for .phys files: diagnostics, hover, completion, definition,
// references, rename, symbols and formatting all come from the server.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("physc").get("path") || "physc";
  const server = { command, args: ["lsp"] };
  client = new LanguageClient(
    "physc",
    "physc",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "phys" }, { scheme: "untitled", language: "phys" }] }
  );
  context.subscriptions.push(client);
  client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
