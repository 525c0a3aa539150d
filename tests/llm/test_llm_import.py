"""The package imports without litellm, and a real call prints nothing on stdout."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.fakes import Error


def test_import_does_not_load_litellm():
    code = "import sys, aisci.llm; print('litellm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_calls_and_errors_print_nothing_on_stdout(fake_openai, tmp_path):
    # Every path where litellm could print a banner: a retried 500, an answer, a JSON answer,
    # a streamed answer, a 401, an unknown model string.
    fake_openai.script([Error(500), "plain answer", '{"ok": true}', "streamed answer", Error(401)])
    code = textwrap.dedent(
        """
        import dataclasses
        import sys
        from aisci.errors import AisciError
        from aisci.llm import LLMClient, LLMSettings, RetryPolicy
        policy = RetryPolicy(max_attempts=3, base_delay_s=0.001, max_delay_s=0.001)
        s = LLMSettings(model="openai/fake-model", api_base=sys.argv[1], api_key="sk-fake",
                        retry=policy)
        hi = [{"role": "user", "content": "hi"}]
        client = LLMClient(s)
        assert client.complete(hi, stage="t").text == "plain answer"
        schema = {"type": "object", "required": ["ok"]}
        assert client.complete_json(hi, schema, stage="t")
        streamed = LLMClient(dataclasses.replace(s, stream=True))
        assert streamed.complete(hi, stage="t").text == "streamed answer"
        for model, base in (("openai/fake-model", sys.argv[1]), ("no-such-provider/x", None)):
            try:
                other = LLMClient(LLMSettings(model=model, api_base=base, retry=policy))
                other.complete(hi, stage="t")
            except AisciError as exc:
                sys.stderr.write(f"expected: {type(exc).__name__}\\n")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code, fake_openai.base_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""
    assert "expected: LLMAuthError" in out.stderr
    assert "expected: ConfigError" in out.stderr
    assert len(fake_openai.chat_requests) == 5
