"""The server's settings table and the extension's settings schema name the same keys: a key
the server reads but the extension does not offer cannot be set from the editor."""

from __future__ import annotations

import json

from tests.helpers import REPO

from aisci.lsp.settings import DEFAULTS, KEYS


def test_every_server_setting_is_offered_by_the_extension():
    config = json.loads((REPO / "vscode-extension" / "package.json").read_text())["contributes"][
        "configuration"
    ]
    properties = (config if isinstance(config, dict) else config[0])["properties"]
    offered = {name.removeprefix("aiScientist.") for name in properties}
    assert set(KEYS) <= offered, (
        f"server settings missing from package.json: {sorted(set(KEYS) - offered)}"
    )
    for key in KEYS:
        setting = properties[f"aiScientist.{key}"]
        assert setting.get("markdownDescription") and setting.get("scope"), key
    # apiKeyEnv names a variable, never holds a key; a workspace cannot set it for the user.
    assert DEFAULTS["apiKeyEnv"] is None
    assert "name" in properties["aiScientist.apiKeyEnv"]["markdownDescription"].lower()
    assert properties["aiScientist.apiKeyEnv"]["scope"] == "machine-overridable"
