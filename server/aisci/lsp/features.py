"""The LSP features the server offers, one handler each; every handler only translates.

Contract: ``register_features(server)`` registers the session's handlers (``initialize``: the
workspace root and the client's settings, then the services; ``initialized``: the file watchers
and the settings messages held until then; ``workspace/didChangeConfiguration`` (the section, and
each workspace folder's own values when sent); ``workspace/didChangeWorkspaceFolders``: a
watcher per folder; ``shutdown``: every job cancelled) and the document features (``didSave``:
a PDF preview build of a .tex file, a check of a template's files; citation completion and
hover in .tex files; in an idea's paper, the provenance of its numbers (lsp/provenance.py): hover
on a results macro or a literal, Go to Definition into the run's final_info.json, a quick fix
that writes a literal as its macro; code lenses on the ideas of an ideas.json). The commands are registered
apart (lsp/server.py, lsp/commands.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from aisci.core.template import check_template
from aisci.lsp import latex_features
from aisci.lsp.locate import is_template, template_for_name
from aisci.lsp.pygls_compat import cancel_requests_in_flight
from aisci.lsp.settings import folders_of, section_of
from aisci.lsp.uris import path_to_uri, uri_to_path

if TYPE_CHECKING:
    from aisci.lsp.server import AisciServer

# The files of a template whose save runs the template check.
TEMPLATE_FILES = (
    "prompt.json",
    "seed_ideas.json",
    "experiment.py",
    "plot.py",
    "knobs.json",
    "template.tex",
)


def _root_of(params: types.InitializeParams) -> Path | None:
    """The workspace root: the first of the workspace folders and rootUri that is a folder, else
    rootPath (else None: the current directory stays the root)."""
    for uri in [f.uri for f in params.workspace_folders or []] + [params.root_uri or ""]:
        path = uri_to_path(uri) if uri else None
        if path is not None and path.is_dir():
            return path.resolve()
    if params.root_path and Path(params.root_path).is_dir():
        return Path(params.root_path).resolve()
    return None


def register_features(server: AisciServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: AisciServer, params: types.InitializeParams) -> None:
        root = _root_of(params)
        if root is not None:
            ls.root = root  # what the CLI finds in its current directory the server finds here
        options = params.initialization_options
        ls.client_shows_failures = (
            isinstance(options, dict) and options.get("showsFailures") is True
        )
        ls.pending_messages += ls.client_settings.merge(section_of(options))
        folders = folders_of(options)
        if folders is not None:
            ls.pending_messages += ls.client_settings.merge_folders(folders)
        ls.start_services()

    @server.feature(types.INITIALIZED)
    def initialized(ls: AisciServer, params: types.InitializedParams) -> None:
        ls.start_watcher()
        for message in ls.pending_messages:
            ls.bridge.show_message(message, "warning" if "ignored" in message else "error")
        ls.pending_messages.clear()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(
        ls: AisciServer, params: types.DidChangeConfigurationParams
    ) -> None:
        messages = ls.client_settings.merge(section_of(params.settings))
        folders = folders_of(params.settings)
        if folders is not None:
            messages += ls.client_settings.merge_folders(folders)
        for message in messages:
            ls.bridge.show_message(message, "warning" if "ignored" in message else "error")

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_workspace_folders(
        ls: AisciServer, params: types.DidChangeWorkspaceFoldersParams
    ) -> None:
        """pygls has updated the folders: watch the new ones' results, stop the removed ones'.
        A new folder's own settings come with the client's next didChangeConfiguration."""
        ls.start_watcher()

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def did_save(ls: AisciServer, params: types.DidSaveTextDocumentParams) -> None:
        path = uri_to_path(params.text_document.uri)
        if path is None:
            return
        if path.suffix == ".tex" and not ls.restricted and not ls.jobs.holder_of(path):
            ls.preview.schedule(path, saved=True)

        template = path.parent.parent if path.name == "template.tex" else path.parent
        if (
            path.name in TEMPLATE_FILES
            and is_template(template)
            and not (template / "state.json").exists()
        ):
            problems = await asyncio.get_running_loop().run_in_executor(
                None, check_template, template
            )
            ls.diagnostics.template_problems(template, problems)

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=["{", ","])
    )
    def completion(ls: AisciServer, params: types.CompletionParams) -> types.CompletionList | None:
        path, document = (
            uri_to_path(params.text_document.uri),
            ls.open_document(params.text_document.uri),
        )
        if path is None or document is None or path.suffix != ".tex":
            return None
        offset = document.offset_at_position(params.position)
        start = latex_features.cite_context(document.source, offset)
        if start is None:
            return None
        begin = types.Position(params.position.line, params.position.character - (offset - start))
        edit_range = types.Range(begin, params.position)
        items = [
            types.CompletionItem(
                label=key,
                kind=types.CompletionItemKind.Reference,
                detail=e["title"],
                documentation=types.MarkupContent(
                    types.MarkupKind.Markdown, latex_features.describe(key, e)
                ),
                filter_text=key,
                text_edit=types.TextEdit(edit_range, key),
            )
            for key, e in latex_features.bib_entries(path, document.source, ls.read).items()
        ]
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: AisciServer, params: types.HoverParams) -> types.Hover | None:
        path, document = (
            uri_to_path(params.text_document.uri),
            ls.open_document(params.text_document.uri),
        )
        if path is None or document is None or path.suffix != ".tex":
            return None
        lines = document.lines
        if params.position.line >= len(lines):
            return None
        key = latex_features.cite_key_at(lines[params.position.line], params.position.character)
        from aisci.lsp import provenance  # deferred: the run readers, +10 ms at start, measured

        folder = provenance.idea_folder(path)
        if not key and folder is not None:
            offset = document.offset_at_position(params.position)
            text = provenance.hover(document.source, offset, provenance.recorded(folder))
            return (
                types.Hover(types.MarkupContent(types.MarkupKind.Markdown, text)) if text else None
            )
        if not key:
            return None
        entry = latex_features.bib_entries(path, document.source, ls.read).get(key)
        if entry is None:
            return None
        return types.Hover(
            types.MarkupContent(types.MarkupKind.Markdown, latex_features.describe(key, entry))
        )

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: AisciServer, params: types.DefinitionParams) -> list[types.Location] | None:
        from aisci.lsp import provenance  # deferred: the run readers, as in hover

        path, document = (
            uri_to_path(params.text_document.uri),
            ls.open_document(params.text_document.uri),
        )
        folder = provenance.idea_folder(path) if path is not None else None
        if folder is None or document is None:
            return None
        offset = document.offset_at_position(params.position)
        found = provenance.definitions(folder, document.source, offset, provenance.recorded(folder))
        return [
            types.Location(
                path_to_uri(file), types.Range(types.Position(line, 0), types.Position(line, 0))
            )
            for file, line in found
        ] or None

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: AisciServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        """Replace a literal that is exactly one recorded value by its macro: at the cursor,
        and on the lines of aisci's diagnostics (the checker's and the pre-check's)."""
        from aisci.lsp import provenance  # deferred: the run readers, as in hover

        uri = params.text_document.uri
        path, document = uri_to_path(uri), ls.open_document(uri)
        folder = provenance.idea_folder(path) if path is not None else None
        if folder is None or document is None:
            return []
        found = provenance.recorded(folder)
        ours = [d for d in params.context.diagnostics if d.source in ("consistency", "precheck")]
        spans = [params.range] + [
            types.Range(
                types.Position(d.range.start.line, 0), types.Position(d.range.start.line, 10_000)
            )
            for d in ours
        ]
        actions: dict[int, types.CodeAction] = {}
        for span in spans:
            start, end = (document.offset_at_position(p) for p in (span.start, span.end))
            for at, stop, text, value in provenance.fixes(document.source, start, end, found):
                where = types.Range(
                    document.client_position_at_offset(at), document.client_position_at_offset(stop)
                )
                actions.setdefault(
                    at,
                    types.CodeAction(
                        title=f"Replace {text} by {value.call}",
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[d for d in ours if d.range.start.line == where.start.line]
                        or None,
                        edit=types.WorkspaceEdit(
                            changes={uri: [types.TextEdit(where, value.call)]}
                        ),
                    ),
                )
        return list(actions.values())

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def code_lens(ls: AisciServer, params: types.CodeLensParams) -> list[types.CodeLens] | None:
        path = uri_to_path(params.text_document.uri)
        if path is None or path.name != "ideas.json":
            return None
        template = (
            path.parent
            if is_template(path.parent)
            else template_for_name(ls.folder_of(path), path.parent.name)
        )
        if template is None:
            return None
        lenses = []
        for line, name in latex_features.idea_lenses(ls.read(path)):
            where = types.Range(types.Position(line, 0), types.Position(line, 0))
            for title, command, arg in (
                (
                    "Check novelty",
                    "aisci.checkNovelty",
                    {"template": str(template), "ideas": [name]},
                ),
                (
                    "Run experiments",
                    "aisci.runExperiments",
                    {"template": str(template), "idea": name},
                ),
                ("Write paper", "aisci.draftPaper", {"template": str(template), "idea": name}),
            ):
                lenses.append(
                    types.CodeLens(
                        where, types.Command(title=title, command=command, arguments=[arg])
                    )
                )
        return lenses

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: AisciServer, params: Any = None) -> None:
        ls.jobs.cancel_all()
        # pygls then cancels every pending request while iterating over its table, which a
        # cancelled executeCommand leaves at once (an upstream bug, see pygls_compat): cancel
        # them here first, over a copy.
        cancel_requests_in_flight(ls.protocol)
