"""The original system's flag values: --parallel 0, --experiment nanoGPT(_lite), its model names."""

import pytest

from aisci.cli import build_parser
from aisci.llm.aliases import ORIGINAL_MODELS, resolve_model
from tests.helpers import REPO


def launch_args(*extra):
    return build_parser().parse_args(["launch", "--template", "t", *extra])


def test_parallel_zero_is_the_originals_sequential_default():
    assert launch_args("--parallel", "0").parallel == 1
    assert launch_args("--parallel", "3").parallel == 3
    assert launch_args().parallel == 1


def test_negative_parallel_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        launch_args("--parallel", "-1")
    assert info.value.code == 2
    assert "must be 0 (sequential, as in the original) or more, found -1" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["nanoGPT", "nanoGPT_lite"])
def test_the_originals_nanogpt_names_find_our_template(name, monkeypatch, capsys):
    from aisci.commands import resolve_template

    monkeypatch.chdir(REPO)
    assert resolve_template(name).resolve() == REPO / "templates" / "nanogpt"
    note = capsys.readouterr().err
    assert note.startswith("note: the original's ") and "nanogpt template" in note


@pytest.mark.parametrize(
    "original,mapped,provider",
    [
        ("deepseek-chat", "deepseek/deepseek-chat", "deepseek"),
        ("deepseek-reasoner", "deepseek/deepseek-reasoner", "deepseek"),
        ("deepseek-coder-v2-0724", "deepseek/deepseek-coder", "deepseek"),
        ("llama3.1-405b", "openrouter/meta-llama/llama-3.1-405b-instruct", "openrouter"),
        ("gemini-2.0-flash", "gemini/gemini-2.0-flash", "gemini"),
        ("gemini-1.5-pro", "gemini/gemini-1.5-pro", "gemini"),
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13", "openai"),
        ("claude-3-5-sonnet-20240620", "claude-3-5-sonnet-20240620", "anthropic"),
        (
            "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
            "bedrock/anthropic.claude-3-5-sonnet-20240620-v1:0",
            "bedrock",
        ),
        (
            "vertex_ai/claude-3-5-sonnet@20240620",
            "vertex_ai/claude-3-5-sonnet@20240620",
            "vertex_ai",
        ),
    ],
)
def test_the_originals_model_names_reach_the_same_provider(original, mapped, provider):
    from aisci.llm.models import provider_of

    got, note = resolve_model(original)
    assert got == mapped and provider_of(got) == provider
    assert (note == "") == (original == mapped)
    assert resolve_model(got) == (
        got,
        "",
    )  # a mapped name is left alone (mapping twice is harmless)


def test_a_changed_meaning_is_said():
    assert "retired" in resolve_model("deepseek-coder-v2-0724")[1]
    assert all(name in (REPO / "docs" / "cli.md").read_text() for name in ORIGINAL_MODELS)


def test_gemini_with_gemini_api_key_needs_nothing_else(monkeypatch):
    from aisci.llm.models import check_model
    from aisci.llm.settings import LLMSettings

    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "VERTEXAI_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    assert check_model(LLMSettings(model=resolve_model("gemini-2.0-flash")[0])) == "gemini"


def test_the_cli_shows_the_mapping_as_a_note(tmp_path, capsys):
    from aisci.commands import make_context

    args = build_parser().parse_args(
        ["launch", "--template", "t", "--model", "deepseek-chat", "--results", str(tmp_path)]
    )
    ctx = make_context(args)
    assert ctx.settings.model == "deepseek/deepseek-chat"
    assert (
        "note: model deepseek-chat (the original's name) is deepseek/deepseek-chat"
        in capsys.readouterr().err
    )
