import assert from "node:assert/strict";
import { test } from "node:test";
import { Logs } from "../../src/logs";

test("lastError quotes the server's stderr, not the client's own lines", () => {
  const logs = new Logs();
  logs.channel.append("INFO starting\nTraceback (most recent call last):\n  File \"x.py\", line 1\n");
  logs.channel.append("ModuleNotFoundError: No module named 'aisci.lsp.server'\n");
  logs.channel.appendLine("[Error - 10:00:00] Connection to server is erroring.");
  logs.channel.appendLine("write EPIPE");
  assert.equal(logs.lastError(), "ModuleNotFoundError: No module named 'aisci.lsp.server'");
  logs.channel.appendLine("[Error - 10:00:01] Server process exited with code 1.");
  assert.equal(logs.why(), `exited with code 1; last error: "ModuleNotFoundError: No module named 'aisci.lsp.server'"`);
});

test("a warning is not an error; a killed server says so", () => {
  const logs = new Logs();
  logs.channel.append("watchdog/inotify.py:365: RuntimeWarning: Callback already exists\n  wd = self._inotify_fd.add_callback(path)\n");
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
