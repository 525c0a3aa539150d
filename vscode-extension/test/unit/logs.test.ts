import assert from "node:assert/strict";
import { test } from "node:test";
import { Logs } from "../../src/logs";

test("lastError quotes the server's stderr, not the client's own lines", () => {
  const logs = new Logs();
  logs.channel.append('INFO starting\nTraceback (most recent call last):\n  File "x.py", line 1\n');
  logs.channel.append("ModuleNotFoundError: No module named 'aisci.lsp.server'\n");
  logs.channel.appendLine("[Error - 10:00:00] Connection to server is erroring.");
  logs.channel.appendLine("write EPIPE");
  assert.equal(logs.lastError(), "ModuleNotFoundError: No module named 'aisci.lsp.server'");
  logs.channel.appendLine("[Error - 10:00:01] Server process exited with code 1.");
  assert.equal(
    logs.why(),
    `exited with code 1; last error: "ModuleNotFoundError: No module named 'aisci.lsp.server'"`,
  );
});

test("a warning is not an error; a killed server says so", () => {
  const logs = new Logs();
  logs.channel.append(
    "watchdog/inotify.py:365: RuntimeWarning: Callback already exists\n  wd = self._inotify_fd.add_callback(path)\n",
  );
  assert.equal(logs.lastError(), undefined);
  logs.channel.appendLine("[Error - 10:00:01] Server process exited with signal SIGKILL.");
  assert.equal(logs.why(), "exited with signal SIGKILL");
});

test("a partial last line counts; mark() forgets the previous server's output", () => {
  const logs = new Logs();
  logs.channel.append("aisci: error: unrecognized arguments: --stdio");
  assert.equal(logs.lastError(), "aisci: error: unrecognized arguments: --stdio");
  logs.mark();
  assert.equal(logs.lastError(), undefined);
  logs.channel.append("just a line\n");
  assert.equal(logs.lastError(), undefined);
  assert.equal(logs.why(), undefined);
});

test("each line is logged once, at its level, without the client's or Python's prefix", () => {
  const logs = new Logs();
  const lines = (logs as unknown as { real: { lines: string[] } }).real.lines;
  logs.channel.append(
    '2026-01-01 10:00:00,123 WARNING aisci.lsp: the watcher could not start\nTraceback (most recent call last):\n  File "x"\nOSError: no\n',
  );
  logs.channel.appendLine("[Info  - 10:00:01] run_1 finished.");
  logs.info("aisci.runBaseline {}");
  assert.deepEqual(lines, [
    "warn: aisci.lsp: the watcher could not start\n",
    "error: Traceback (most recent call last):\n",
    'error:   File "x"\n',
    "error: OSError: no\n",
    "info: run_1 finished.\n",
    "info: aisci.runBaseline {}\n",
  ]);
});

test("a crash quotes only the error written just before it, never an older one", () => {
  let now = 1_000_000;
  const logs = new Logs("AI Scientist", () => now);
  logs.channel.append(
    "2026-01-01 10:00:00,000 ERROR aisci.lsp: ValueError: an old failure of one command\n",
  );
  now += 60_000;
  logs.channel.appendLine("[Error - 10:01:00] Server process exited with signal SIGKILL.");
  assert.equal(logs.why(), "exited with signal SIGKILL");
  logs.channel.append("RuntimeError: the real cause\n");
  assert.equal(logs.lastError(), "RuntimeError: the real cause");
});
