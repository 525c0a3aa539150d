/**
 * A small stand-in for the `vscode` module (esbuild aliases `vscode` to this file for the
 * unit tests). It implements only what the tested modules touch; window prompts answer from
 * queues the tests fill (`answers`), and every call is recorded (`calls`).
 */

export const calls: { fn: string; args: unknown[] }[] = [];
export const answers = {
  information: [] as (string | undefined)[],
  input: [] as (string | undefined)[],
  quickPick: [] as unknown[],
};
export const files = new Map<string, Uint8Array>();
export const progressShown: { title?: string; reports: unknown[]; closed: boolean }[] = [];

export class Range {
  constructor(
    readonly startLine: number,
    readonly startCharacter: number,
    readonly endLine: number,
    readonly endCharacter: number,
  ) {}
}

export function resetMock(): void {
  calls.length = 0;
  answers.information.length = 0;
  answers.input.length = 0;
  answers.quickPick.length = 0;
  files.clear();
  progressShown.length = 0;
  workspace.textDocuments.length = 0;
  workspace.workspaceFolders = undefined;
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
    readonly query = "",
  ) {}
  static file(p: string): Uri {
    return new Uri("file", p);
  }
  static from(c: { scheme: string; path?: string; query?: string }): Uri {
    return new Uri(c.scheme, c.path ?? "/", c.query ?? "");
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    const joined = [base.path, ...parts].join("/").replace(/\/+/g, "/");
    const out: string[] = [];
    for (const seg of joined.split("/")) {
      if (seg === "..") {
        out.pop();
      } else if (seg !== ".") {
        out.push(seg);
      }
    }
    return new Uri(base.scheme, out.join("/") || "/");
  }
  with(change: { scheme?: string; path?: string; query?: string }): Uri {
    return new Uri(
      change.scheme ?? this.scheme,
      change.path ?? this.path,
      change.query ?? this.query,
    );
  }
  get fsPath(): string {
    return this.path;
  }
  toString(): string {
    return `${this.scheme}://${this.path}${this.query ? "?" + this.query : ""}`;
  }
}

export class EventEmitter<T> {
  private listeners: ((e: T) => void)[] = [];
  event = (listener: (e: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) {
      l(e);
    }
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class CancellationTokenSource {
  private emitter = new EventEmitter<void>();
  token = {
    isCancellationRequested: false,
    onCancellationRequested: this.emitter.event,
  };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.emitter.fire();
  }
}

export class TabInputText {
  constructor(readonly uri: Uri) {}
}
export class TabInputTextDiff {
  constructor(
    readonly original: Uri,
    readonly modified: Uri,
  ) {}
}

export const window = {
  tabGroups: { all: [] as { tabs: { input: unknown }[] }[], close: () => Promise.resolve(true) },
  activeTextEditor: undefined as undefined | { document: { uri: Uri } },
  showInformationMessage(message: string, ...items: string[]) {
    calls.push({ fn: "showInformationMessage", args: [message, ...items] });
    return Promise.resolve(answers.information.shift());
  },
  showWarningMessage(message: string, ...items: string[]) {
    calls.push({ fn: "showWarningMessage", args: [message, ...items] });
    return Promise.resolve(undefined);
  },
  showErrorMessage(message: string, ...items: string[]) {
    calls.push({ fn: "showErrorMessage", args: [message, ...items] });
    return Promise.resolve(undefined);
  },
  /** Records the notification, its reports, and whether the task has ended (`progress.closed`). */
  withProgress(
    options: { title?: string },
    task: (p: { report(v: unknown): void }, token: unknown) => Promise<unknown>,
  ) {
    const record = { title: options.title, reports: [] as unknown[], closed: false };
    progressShown.push(record);
    const token = new CancellationTokenSource().token;
    return task({ report: (v: unknown) => record.reports.push(v) }, token).finally(
      () => (record.closed = true),
    );
  },
  showInputBox(options: unknown) {
    calls.push({ fn: "showInputBox", args: [options] });
    return Promise.resolve(answers.input.shift());
  },
  showQuickPick(items: unknown, options: unknown) {
    calls.push({ fn: "showQuickPick", args: [items, options] });
    return Promise.resolve(answers.quickPick.shift());
  },
  createOutputChannel(name: string) {
    const lines: string[] = [];
    const at = (level: string) => (v: string) => lines.push(`${level}: ${v}\n`);
    return {
      name,
      lines,
      trace: at("trace"),
      debug: at("debug"),
      info: at("info"),
      warn: at("warn"),
      error: at("error"),
      append: (v: string) => lines.push(v),
      appendLine: (v: string) => lines.push(v + "\n"),
      replace: () => undefined,
      clear: () => (lines.length = 0),
      show: () => undefined,
      hide: () => undefined,
      dispose: () => undefined,
    };
  },
};

export const workspace = {
  workspaceFolders: undefined as { uri: Uri; name: string; index: number }[] | undefined,
  textDocuments: [] as {
    uri: Uri;
    isDirty: boolean;
    getText(): string;
    save(): Promise<boolean>;
  }[],
  registerTextDocumentContentProvider(
    scheme: string,
    provider: { provideTextDocumentContent(uri: Uri): string },
  ) {
    providers.set(scheme, provider);
    return { dispose: () => providers.delete(scheme) };
  },
  registerFileSystemProvider(scheme: string, provider: unknown) {
    fileSystems.set(scheme, provider);
    return { dispose: () => fileSystems.delete(scheme) };
  },
  fs: {
    async createDirectory() {},
    writeFile(uri: Uri, data: Uint8Array) {
      files.set(uri.toString(), data);
      return Promise.resolve();
    },
    readFile(uri: Uri) {
      const data = files.get(uri.toString());
      return data ? Promise.resolve(data) : Promise.reject(new Error(`ENOENT ${uri.toString()}`));
    },
    delete(uri: Uri) {
      files.delete(uri.toString());
      return Promise.resolve();
    },
    stat(uri: Uri) {
      return files.has(uri.toString())
        ? Promise.resolve({})
        : Promise.reject(new Error(`ENOENT ${uri.toString()}`));
    },
  },
};

export const providers = new Map<string, { provideTextDocumentContent(uri: Uri): string }>();
export const fileSystems = new Map<string, unknown>();

export enum FileType {
  File = 1,
  Directory = 2,
}

export enum FileChangeType {
  Changed = 1,
  Created = 2,
  Deleted = 3,
}

export class FileSystemError extends Error {
  static FileNotFound(uri?: Uri | string): FileSystemError {
    return new FileSystemError(`FileNotFound: ${String(uri)}`);
  }
  static NoPermissions(message?: string): FileSystemError {
    return new FileSystemError(`NoPermissions: ${message ?? ""}`);
  }
}

export const commands = {
  executeCommand(command: string, ...args: unknown[]) {
    calls.push({ fn: `command:${command}`, args });
    return Promise.resolve(undefined);
  },
  registerCommand(command: string) {
    return { dispose: () => calls.push({ fn: `unregister:${command}`, args: [] }) };
  },
};

export enum ConfigurationTarget {
  Global = 1,
  Workspace = 2,
  WorkspaceFolder = 3,
}

export enum ProgressLocation {
  SourceControl = 1,
  Window = 10,
  Notification = 15,
}
