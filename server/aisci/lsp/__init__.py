"""The aisci language server (docs/lsp.md): every stage for an editor, off the event loop."""
