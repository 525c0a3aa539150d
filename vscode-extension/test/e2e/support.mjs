// Process plumbing of the end-to-end test: bounded waits, a free port, and stopping
// code-server's process group plus anything still working in the scratch folder.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";

export function fail(msg) {
  throw new Error(msg);
}

/** Polls `probe` until it returns something truthy; fails after `timeoutMs`. */
export async function until(what, timeoutMs, probe, intervalMs = 250) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try {
      last = await probe();
      if (last) {
        return last;
      }
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  fail(
    `timed out after ${timeoutMs / 1000} s waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ""}`,
  );
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Processes working in `scratch` (cwd or command line): the language server, experiment runs. */
export function leftovers(scratch) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
      continue;
    }
    try {
      if (
        readlinkSync(`/proc/${entry}/cwd`).startsWith(scratch) ||
        readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(scratch)
      ) {
        pids.push(Number(entry));
      }
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}

function kill(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

/** Stops code-server's process group (TERM, then KILL), then what still works in `scratch`. */
export async function stopAll(child, scratch) {
  if (child?.pid) {
    kill(-child.pid, "SIGTERM");
    await until(
      "code-server to stop",
      15_000,
      async () => child.exitCode !== null || child.signalCode !== null,
    ).catch(() => kill(-child.pid, "SIGKILL"));
  }
  await until(
    "the extension host and language server to end",
    15_000,
    async () => leftovers(scratch).length === 0,
  ).catch(() => {
    for (const pid of leftovers(scratch)) {
      kill(pid, "SIGKILL");
    }
  });
}
