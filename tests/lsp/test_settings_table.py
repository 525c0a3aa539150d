"""The extension's settings schema (vscode-extension/package.json) and src/settings.ts against
the settings declared in core/settings.py (through the server's table, aisci.lsp.settings.TABLE):
the same keys in the same order, the same choices, types and bounds, defaults that give the same
core ``Settings``, and each description opening with the declared sentence. Each failure names
the key."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.helpers import REPO

from aisci.core.settings import options
from aisci.errors import ConfigError
from aisci.lsp.settings import DEFAULTS, KEYS, TABLE, ClientSettings, check_value

EXTENSION = REPO / "vscode-extension"
# The extension's own settings, never sent to the server (src/settings.ts).
EXTENSION_ONLY = {"python", "trace.server"}
# package.json's "type" of each kind of server value.
TYPES = {"choice": "string", "text": "string", "whole": "integer", "count": "integer"}
MINIMUM = {"whole": 1, "count": 0}


def schema() -> dict[str, dict[str, Any]]:
    config = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))["contributes"][
        "configuration"
    ]
    properties = (config if isinstance(config, dict) else config[0])["properties"]
    return {name.removeprefix("aiScientist."): prop for name, prop in properties.items()}


def offered_server_keys() -> list[tuple[str, dict[str, Any]]]:
    """The server's keys that package.json offers (the first test names those it does not)."""
    properties = schema()
    return [(key, properties[key]) for key in KEYS if key in properties]


def sent(key: str, value: Any) -> tuple[bool, Any]:
    """What the extension sends for this value (src/settings.ts, serverSettings): (sent?, value)."""
    if key == "scale" and value in ("auto", None, ""):
        return False, None  # left to the server
    if key == "maxCost" and value in (0, None):
        return True, None  # 0 in the settings UI: no cap
    if TABLE[key].kind == "text" and isinstance(value, str):
        return True, value.strip() or None
    return True, value


def test_the_same_keys_in_package_json_in_settings_ts_and_on_the_server():
    offered = set(schema()) - EXTENSION_ONLY
    unknown, missing = sorted(offered - set(KEYS)), sorted(set(KEYS) - offered)
    assert unknown == [], f"in package.json, unknown to the server: {unknown}"
    assert missing == [], f"read by the server, missing from package.json: {missing}"
    source = (EXTENSION / "src" / "settings.ts").read_text(encoding="utf-8")
    listed = re.search(r"SERVER_KEYS = \[(.*?)\] as const", source, re.S)
    assert listed, "src/settings.ts has no SERVER_KEYS list"
    ts_keys = set(re.findall(r'"([^"]+)"', listed.group(1)))
    differ = sorted(ts_keys ^ set(KEYS))
    assert differ == [], f"SERVER_KEYS of src/settings.ts and the server's keys differ in {differ}"
    # SERVER_KEYS lists them as the settings UI does: package.json's order.
    ui_order = [key for key in schema() if key not in EXTENSION_ONLY]
    ts_order = re.findall(r'"([^"]+)"', listed.group(1))
    assert ts_order == ui_order, "SERVER_KEYS of src/settings.ts is not in package.json's order"


def test_each_default_of_package_json_is_the_servers(monkeypatch):
    # Not this machine's scale: a scale set in package.json must differ from "none chosen".
    monkeypatch.setattr("aisci.core.baseline.default_scale", lambda: "the machine's")
    root = Path("/workspace")
    server = ClientSettings().to_settings(root)
    wrong = []
    for key, prop in offered_server_keys():
        is_sent, value = sent(key, prop.get("default"))
        client = ClientSettings()
        problems = client.merge({key: value}) if is_sent else []
        field = TABLE[key].field_name
        got = problems or getattr(client.to_settings(root), field)
        if got != getattr(server, field):
            wrong.append(
                f"aiScientist.{key}: package.json's default {prop.get('default')!r} gives "
                f"{field}={got!r}; the server's default is {getattr(server, field)!r} "
                f"(lsp/settings.py DEFAULTS[{key!r}] = {DEFAULTS[key]!r})"
            )
    assert wrong == [], "\n".join(wrong)


def test_each_choice_of_package_json_is_the_servers():
    wrong = []
    for key, prop in offered_server_keys():
        spec = TABLE[key]
        offered = prop.get("enum")
        if spec.kind != "choice":
            if offered is not None:
                wrong.append(f"aiScientist.{key}: an enum in package.json, free on the server")
            continue
        if offered is None:
            wrong.append(
                f"aiScientist.{key}: no enum in package.json; the server takes only {spec.choices}"
            )
            continue
        if len(prop.get("enumDescriptions", [])) != len(offered):
            wrong.append(f"aiScientist.{key}: one enumDescription per enum value")
        missing = [c for c in spec.choices if c not in offered]
        if missing:
            wrong.append(f"aiScientist.{key}: the server's {missing} not offered in package.json")
        for value in offered:
            try:
                check_value(key, value)
            except ConfigError as e:
                wrong.append(f"aiScientist.{key}: package.json offers {value!r}, refused: {e}")
    assert wrong == [], "\n".join(wrong)


def test_each_type_and_bound_of_package_json_is_the_servers():
    wrong = []
    for key, prop in offered_server_keys():
        spec = TABLE[key]
        types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
        expected = TYPES.get(spec.kind, "number")
        if expected not in types:
            wrong.append(f"aiScientist.{key}: type {prop['type']!r}, the server takes {spec.kind}")
        if spec.kind in MINIMUM and prop.get("minimum") != MINIMUM[spec.kind]:
            wrong.append(
                f"aiScientist.{key}: minimum {prop.get('minimum')!r}, the server takes "
                f"{MINIMUM[spec.kind]} and more"
            )
        if spec.kind == "number":
            # The server takes a number above 0; where none is allowed, the UI's 0 means none.
            least = prop.get("minimum")
            if (least != 0) if spec.none_allowed else (least is None or least <= 0):
                wrong.append(
                    f"aiScientist.{key}: minimum {least!r}; the server takes a number above 0"
                    + (" (0 in the settings UI: none)" if spec.none_allowed else "")
                )
    assert wrong == [], "\n".join(wrong)


def test_each_description_of_package_json_opens_with_the_declared_sentence():
    wrong = []
    for key, prop in offered_server_keys():
        declared = options()[TABLE[key].field_name].editor_help
        description = prop.get("markdownDescription", "")
        rest = description.removeprefix(declared)
        if not declared.endswith(".") or rest == description or rest[:1] not in ("", " "):
            wrong.append(
                f"aiScientist.{key}: markdownDescription {description[:80]!r}... does not open "
                f"with the sentence declared in core/settings.py: {declared!r}"
            )
    assert wrong == [], "\n".join(wrong)
