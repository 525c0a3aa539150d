/**
 * The "AI Scientist" output channel, remembering what the server wrote to stderr.
 *
 * Contract: `Logs.channel` is handed to vscode-languageclient, which writes the server's
 * stderr there with `append` and its own messages with `appendLine`; the `append`ed text is
 * also kept (the last 200 lines since the last `mark()`), so a crash message can say why:
 * the exit status the client logged and the server's last error line (`why()`). `show()` backs every "Show Logs" button.
 */

import * as vscode from "vscode";

const KEEP = 200;

export class Logs implements vscode.Disposable {
  readonly channel: vscode.OutputChannel;
  private readonly real: vscode.OutputChannel;
  private stderr: string[] = [];
  private partial = "";
  private exit: string | undefined;

  constructor(name = "AI Scientist") {
    this.real = vscode.window.createOutputChannel(name);
    const record = (text: string) => this.record(text);
    const recordLine = (line: string) => {
      const exit = /Server process exited with (code -?\d+|signal \w+)/.exec(line);
      if (exit) {
        this.exit = exit[1];
      }
    };
    const real = this.real;
    // A forwarding channel: languageclient calls append (server stderr) and appendLine on it.
    this.channel = {
      name: real.name,
      append(value: string) {
        record(value);
        real.append(value);
      },
      appendLine(value: string) {
        recordLine(value);
        real.appendLine(value);
      },
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
    } as vscode.OutputChannel;
  }

  private record(text: string): void {
    const parts = (this.partial + text).split("\n");
    this.partial = parts.pop() ?? "";
    this.stderr.push(...parts);
    if (this.stderr.length > KEEP) {
      this.stderr = this.stderr.slice(-KEEP);
    }
  }

  /** Forget the server's earlier output (called at each server start). */
  mark(): void {
    this.stderr = [];
    this.partial = "";
    this.exit = undefined;
  }

  info(message: string): void {
    this.real.appendLine(`[aisci ${new Date().toLocaleTimeString()}] ${message}`);
  }

  /** The server's last stderr line that looks like an error (a Python exception, "error:"). */
  lastError(): string | undefined {
    const lines = [...this.stderr, this.partial].map((l) => l.trim()).filter((l) => l !== "");
    return [...lines].reverse().find((l) => /(Error|Exception)\b|error:|No module named/i.test(l) && !/^Traceback/.test(l))?.slice(0, 300);
  }

  /** Why the server went away, as far as its exit status and stderr tell. */
  why(): string | undefined {
    const error = this.lastError();
    const parts = [this.exit ? `exited with ${this.exit}` : undefined, error ? `last error: "${error.replace(/\.$/, "")}"` : undefined];
    return parts.filter(Boolean).join("; ") || undefined;
  }

  show(): void {
    this.real.show(true);
  }

  dispose(): void {
    this.real.dispose();
  }
}
