/**
 * The "AI Scientist" log: a `LogOutputChannel` (levels, timestamps, "Set Log Level"), with
 * what the server wrote to stderr remembered so a crash message can say why.
 *
 * Contract: `Logs.channel` is handed to vscode-languageclient, which writes the server's
 * stderr there with `append` and its own lines (`[Info  - 10:00:00] …`, the server's
 * `window/logMessage` among them) with `appendLine`. Each line goes to the log once, at its
 * level: Python's `2025-01-01 10:00:00,000 WARNING name: message` and the client's
 * `[Error - time]` prefixes are read for the level and dropped (the channel adds its own).
 * The stderr lines are kept with the time they came (the last 200 since the last `mark()`),
 * and `why()` tells the exit status the client logged and the server's last error line, only
 * from the output of the last `RECENT_MS` before the exit: an older error is not the cause.
 * `show()` backs every "Show Logs" button.
 */

import * as vscode from "vscode";

const KEEP = 200;
/** Only stderr this close to the exit explains it. */
export const RECENT_MS = 10_000;

type Level = "trace" | "debug" | "info" | "warn" | "error";

const PYTHON_LEVEL =
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$/;
const CLIENT_LEVEL = /^\[(Trace|Debug|Info|Warn|Error)\s*- [^\]]*\] ?(.*)$/s;

function pythonLevel(name: string): Level {
  return (
    (
      {
        DEBUG: "debug",
        INFO: "info",
        WARNING: "warn",
        ERROR: "error",
        CRITICAL: "error",
      } as Record<string, Level>
    )[name] ?? "info"
  );
}

/** The level and text of one line the client or the server wrote. */
export function levelOf(line: string, fallback: Level = "info"): [Level, string] {
  const py = PYTHON_LEVEL.exec(line);
  if (py) {
    return [pythonLevel(py[1]), py[2]];
  }
  const client = CLIENT_LEVEL.exec(line);
  if (client) {
    return [client[1].toLowerCase() as Level, client[2]];
  }
  return [fallback, line];
}

export class Logs implements vscode.Disposable {
  readonly channel: vscode.OutputChannel;
  private readonly real: vscode.LogOutputChannel;
  private stderr: { at: number; line: string }[] = [];
  private partial = "";
  private exit: { what: string; at: number } | undefined;
  /** Level of the lines of the current Python traceback (they carry no level themselves). */
  private block: Level = "info";

  constructor(
    name = "AI Scientist",
    private readonly now: () => number = Date.now,
  ) {
    this.real = vscode.window.createOutputChannel(name, { log: true });
    const real = this.real;
    // A forwarding channel: languageclient calls append (server stderr) and appendLine on it.
    this.channel = {
      name: real.name,
      append: (value: string) => this.record(value),
      appendLine: (value: string) => this.clientLine(value),
      replace(value: string) {
        real.replace(value);
      },
      clear() {
        real.clear();
      },
      show() {
        real.show(true);
      },
      hide() {
        real.hide();
      },
      dispose() {
        /* owned by Logs */
      },
    };
  }

  private write(level: Level, text: string): void {
    this.real[level](text);
  }

  private clientLine(value: string): void {
    const exit = /Server process exited with (code -?\d+|signal \w+)/.exec(value);
    if (exit) {
      this.exit = { what: exit[1], at: this.now() };
    }
    const [level, text] = levelOf(value);
    // The client logs every exit at error; status 0 is a normal stop (a restart, a shutdown).
    this.write(exit && exit[1] === "code 0" ? "info" : level, text);
  }

  private record(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    const at = this.now();
    for (const line of parts) {
      this.stderr.push({ at, line });
      const py = PYTHON_LEVEL.exec(line);
      if (py) {
        this.block = pythonLevel(py[1]);
      } else if (/^Traceback/.test(line)) {
        this.block = "error";
      }
      if (line.trim()) {
        const [level, shown] = levelOf(line, this.block);
        this.write(level, shown);
      }
    }
    if (this.stderr.length > KEEP) {
      this.stderr = this.stderr.slice(-KEEP);
    }
  }

  /** Forget the server's earlier output (called at each server start). */
  mark(): void {
    this.stderr = [];
    this.partial = "";
    this.exit = undefined;
    this.block = "info";
  }

  info(message: string): void {
    this.real.info(message);
  }

  warn(message: string): void {
    this.real.warn(message);
  }

  error(message: string): void {
    this.real.error(message);
  }

  /** The server's last recent stderr line that looks like an error (a Python exception, "error:"). */
  lastError(): string | undefined {
    const end = this.exit?.at ?? this.now();
    const recent = this.stderr.filter((l) => end - l.at <= RECENT_MS).map((l) => l.line);
    const lines = [...recent, this.partial].map((l) => l.trim()).filter((l) => l !== "");
    return [...lines]
      .reverse()
      .find((l) => /(Error|Exception)\b|error:|No module named/i.test(l) && !/^Traceback/.test(l))
      ?.slice(0, 300);
  }

  /** Why the server went away, as far as its exit status and recent stderr tell. */
  why(): string | undefined {
    const error = this.lastError();
    const parts = [
      this.exit ? `exited with ${this.exit.what}` : undefined,
      error ? `last error: "${error.replace(/\.$/, "")}"` : undefined,
    ];
    return parts.filter(Boolean).join("; ") || undefined;
  }

  show(): void {
    this.real.show(true);
  }

  dispose(): void {
    this.real.dispose();
  }
}
