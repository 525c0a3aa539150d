/**
 * Starting, restarting and talking to `aisci lsp`.
 *
 * Contract:
 * - `start()` finds the interpreter (interpreter.ts order) and starts `<python> -m aisci lsp`
 *   over stdio with vscode-languageclient, the settings as `initializationOptions` and the API
 *   keys from SecretStorage in its environment. Only when it does not come up is
 *   `python -c "import aisci"` run, to say why (one Python start less on the way to a filled
 *   side bar). When Python or aisci is missing the state becomes "failed" with one message
 *   naming the interpreter tried; it is shown as an error with a "Show Logs" button unless the
 *   start was quiet (the activation's: the side bar says it).
 * - In an untrusted workspace (Restricted Mode) nothing the workspace names is run: its .venv
 *   and the Python extension's choice are not tried (package.json's `restrictedConfigurations`
 *   keeps `aiScientist.python` and `aiScientist.apiBase` to the user's own settings), and the
 *   server gets `AISCI_RESTRICTED=1`: it answers queries and runs nothing. Granting trust
 *   restarts it unrestricted.
 * - Long jobs' progress: `progress` (progress.ts) takes over the client's work-done progress.
 * - A crash restarts the server while `CrashPolicy` allows (3 within 3 minutes), each time with
 *   a message; then it stops and says why (the server's last error line).
 * - `execute(command, args)` sends `workspace/executeCommand` with exactly one object argument
 *   (docs/lsp.md §2) and rejects with the server's `ResponseError` (code, message, data).
 * - Every `aisci/*` notification is re-fired on `onNotification`; `aisci/reviewProposal`
 *   requests go to the `ProposalReviewer`.
 * - A change of an `aiScientist.*` server setting is sent as `workspace/didChangeConfiguration`
 *   (`{settings: {aiScientist: {...}, folders: {uri: {...}}}}`: the window's values, and what
 *   each workspace folder sets differently); so is a change of the workspace folders. A change
 *   of `aiScientist.python` (a window setting: one server) restarts the server.
 */

import * as cp from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as vscode from "vscode";
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from "vscode-languageclient/node";
import { CrashPolicy } from "./crashPolicy";
import { JobProgress } from "./progress";
import {
  findInterpreter,
  Interpreter,
  isProblem,
  PROBE_ARGS,
  ProbeResult,
  probeProblem,
  substituteVariables,
} from "./interpreter";
import type { Logs } from "./logs";
import { NOTIFICATIONS, ReviewProposalParams } from "./protocol";
import type { ProposalReviewer } from "./proposals";
import type { ApiKeys } from "./secrets";
import { folderSettings, SECTION, serverSettings, ServerSettings } from "./settings";
import { workspaceFolder, workspaceRoot } from "./workspace";

const RESTART_DELAY_MS = 1000;
const STDERR_GRACE_MS = 300;

export type ServerState = "stopped" | "starting" | "running" | "failed";

export interface Notification {
  method: string;
  params: unknown;
}

export function currentServerSettings() {
  const config = vscode.workspace.getConfiguration(SECTION);
  return serverSettings((key) => config.get(key));
}

/**
 * The settings the server gets: the window's (`aiScientist`), and under `folders` what each
 * workspace folder's own settings change (by the folder's URI; a folder that changes nothing is
 * left out). The server applies a folder's to the commands on paths inside it.
 */
export function settingsPayload(): {
  [SECTION]: ServerSettings;
  folders: Record<string, ServerSettings>;
} {
  const base = currentServerSettings();
  const folders: Record<string, ServerSettings> = {};
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const config = vscode.workspace.getConfiguration(SECTION, folder.uri);
    const own = folderSettings(
      base,
      serverSettings((key) => config.get(key)),
    );
    if (Object.keys(own).length) {
      folders[folder.uri.toString()] = own;
    }
  }
  return { [SECTION]: base, folders };
}

/**
 * The parts of the Python extension's API read here, every one optional: its versions differ
 * (the `environments` API is newer than `settings.getExecutionDetails`), and nothing is typed
 * by the extension for its callers.
 */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath?(resource?: vscode.Uri): { path?: string } | undefined;
  };
  settings?: { getExecutionDetails?(resource?: vscode.Uri): { execCommand?: unknown } | undefined };
}

async function pythonExtensionInterpreter(): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi | undefined>("ms-python.python");
  if (!ext) {
    return undefined;
  }
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    const resource = workspaceFolder()?.uri;
    const env = api?.environments?.getActiveEnvironmentPath?.(resource);
    if (env?.path) {
      return env.path;
    }
    const details = api?.settings?.getExecutionDetails?.(resource);
    const exec = details?.execCommand;
    return Array.isArray(exec) && exec.length ? String(exec[0]) : undefined;
  } catch {
    return undefined;
  }
}

function probe(python: string, cwd: string | undefined): Promise<ProbeResult> {
  return new Promise((resolve) => {
    cp.execFile(
      python,
      PROBE_ARGS,
      { cwd, timeout: 60_000, env: process.env },
      (error, stdout, stderr) => {
        const code = (error as NodeJS.ErrnoException | null)?.code;
        if (error && typeof code === "string") {
          resolve({ exitCode: null, stdout, stderr, spawnError: `${code} (${error.message})` });
          return;
        }
        resolve({ exitCode: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/**
 * vscode-languageclient shows its own error pop-ups ("couldn't create connection to server",
 * "Server initialization failed"); the manager shows one message that says why and what to
 * do, so the client's go to the log only.
 */
class QuietClient extends LanguageClient {
  override error(message: string, data?: unknown): void {
    super.error(message, data, false);
  }
}

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly policy = new CrashPolicy();
  private readonly notifications = new vscode.EventEmitter<Notification>();
  private readonly stateChanged = new vscode.EventEmitter<ServerState>();
  private readonly disposables: vscode.Disposable[] = [];
  private starting: Promise<boolean> | undefined;
  private lifecycle: Promise<unknown> = Promise.resolve();
  private startingClient: LanguageClient | undefined;
  private _state: ServerState = "stopped";
  interpreter: Interpreter | undefined;
  failure: string | undefined;
  /** aisci's version, from the server's initialize answer. */
  version: string | undefined;
  /** When the server last answered `initialize` (ms since the epoch). */
  answeredAt: number | undefined;
  readonly progress = new JobProgress();
  private quiet = false;
  /** The Python extension's interpreter for the first folder, if that extension is installed. */
  readonly pythonExtensionInterpreter = pythonExtensionInterpreter;

  readonly onNotification = this.notifications.event;
  readonly onDidChangeState = this.stateChanged.event;

  constructor(
    private readonly logs: Logs,
    private readonly keys: ApiKeys,
    private readonly proposals: ProposalReviewer,
  ) {
    this.disposables.push(
      this.notifications,
      this.stateChanged,
      this.progress,
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.logs.info("The workspace is trusted now: restarting the server unrestricted.");
        void this.restart();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SECTION}.python`)) {
          this.logs.info("aiScientist.python changed: restarting the server.");
          void this.restart();
        } else if (e.affectsConfiguration(SECTION)) {
          void this.sendSettings();
        }
      }),
      // A new folder's own settings (the server has learnt of the folder from the client).
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.sendSettings()),
    );
  }

  get state(): ServerState {
    return this._state;
  }

  private setState(state: ServerState, failure?: string): void {
    this._state = state;
    this.failure = failure;
    void vscode.commands.executeCommand("setContext", "aiScientist.serverState", state);
    this.stateChanged.fire(state);
  }

  private fail(message: string): false {
    this.logs.error(message);
    this.setState("failed", message);
    if (this.quiet) {
      return false; // the activation's start: the side bar says it, no pop-up
    }
    void vscode.window.showErrorMessage(message, "Show Logs").then((pick) => {
      if (pick === "Show Logs") {
        this.logs.show();
      }
    });
    return false;
  }

  /** Why `python` cannot serve (not runnable, no aisci), or undefined when aisci imports there. */
  async checkInterpreter(python: string): Promise<string | undefined> {
    if (!fs.existsSync(python)) {
      return `There is no file at ${python}.`;
    }
    return probeProblem({ path: python, source: "setting" }, await probe(python, workspaceRoot()));
  }

  /** Starts the server unless it runs; resolves true when it answers. `quiet`: say a failure
   * in the side bar only (the start at activation, which nobody asked for). */
  start(options: { quiet?: boolean } = {}): Promise<boolean> {
    if (this.client && this.client.state === State.Running) {
      return Promise.resolve(true);
    }
    this.quiet = options.quiet === true;
    this.starting ??= this.enqueue(() => this.doStart()).finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Start, stop and restart run one at a time, in the order asked. */
  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(op, op);
    this.lifecycle = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<boolean> {
    this.setState("starting");
    const began = Date.now();
    const keysRead = this.keys.environment().catch(() => ({})); // meanwhile: the interpreter
    const root = workspaceRoot();
    const config = vscode.workspace.getConfiguration(SECTION);
    const setting = substituteVariables(config.get<string>("python") ?? "", root, os.homedir());
    const trusted = vscode.workspace.isTrusted;
    const found = await findInterpreter({
      setting,
      // Restricted Mode: a workspace's own .venv (or its Python extension choice) is code it brings.
      workspaceFolders: trusted
        ? (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)
        : [],
      platform: process.platform,
      exists: (f) => fs.existsSync(f),
      pythonExtension: trusted ? pythonExtensionInterpreter : () => Promise.resolve(undefined),
    });
    if (isProblem(found)) {
      return this.fail(found.message);
    }
    this.interpreter = found;
    this.logs.mark();
    this.logs.info(
      `starting ${found.path} -m aisci lsp (Python from ${found.source})${trusted ? "" : "; Restricted Mode: it runs nothing"}`,
    );

    const env: NodeJS.ProcessEnv = { ...process.env, ...(await keysRead), PYTHONUNBUFFERED: "1" };
    if (!trusted) {
      env.AISCI_RESTRICTED = "1";
    }
    const serverOptions: ServerOptions = {
      command: found.path,
      args: ["-m", "aisci", "lsp"],
      options: { cwd: root, env },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", pattern: "**/*.tex" },
        { scheme: "file", pattern: "**/*.bib" },
        { scheme: "file", pattern: "**/ideas.json" },
        { scheme: "file", pattern: "**/{prompt,seed_ideas,knobs}.json" },
        { scheme: "file", pattern: "**/{experiment,plot}.py" },
      ],
      outputChannel: this.logs.channel,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: settingsPayload(),
      // A failed initialize is a crash at start-up, handled below (no pop-up of the client's).
      initializationFailedHandler: (error) => {
        this.logs.info(
          `initialize failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return false;
      },
      errorHandler: {
        error: (_error, _message, count) => ({
          action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
        }),
        // Restarts are ours (one policy for a crash at start-up and a crash later), so the
        // client itself never restarts.
        closed: () => {
          // Called only once the client below exists (it is the client's own handler).
          if (client !== this.startingClient) {
            this.onCrash(client);
          }
          return { action: CloseAction.DoNotRestart, handled: true };
        },
      },
    };
    const client = new QuietClient("aiScientist", "AI Scientist", serverOptions, clientOptions);
    for (const method of NOTIFICATIONS) {
      client.onNotification(method, (params: unknown) =>
        this.notifications.fire({ method, params }),
      );
    }
    client.onRequest(
      "aisci/reviewProposal",
      (params: ReviewProposalParams, token: vscode.CancellationToken) =>
        this.proposals.review(params, token),
    );
    client.onDidChangeState((e) => {
      if (e.newState === State.Running) {
        this.setState("running");
      }
    });
    this.client = client;
    this.startingClient = client;
    let failure: Error | undefined;
    try {
      await client.start();
      // start() can resolve although the server died during initialize (the client forgets
      // its start promise when the connection closes first): trust only the state.
      if (!client.isRunning()) {
        failure = new Error("the server exited during start-up");
      }
    } catch (e) {
      failure = e instanceof Error ? e : new Error(typeof e === "string" ? e : "unknown failure");
    } finally {
      this.startingClient = undefined;
    }
    if (failure === undefined) {
      this.version = client.initializeResult?.serverInfo?.version;
      this.answeredAt = Date.now();
      this.logs.info(
        `aisci ${this.version ?? "?"} answered ${Date.now() - began} ms after the start began`,
      );
      this.progress.attach(client);
      this.quiet = false; // a later failure (a crash loop) is news: it pops up
      this.setState("running");
      return true;
    }
    // Did it not come up because Python or aisci is missing? Then that is the whole story.
    const probed = await probe(found.path, root);
    const problem = probeProblem(found, probed);
    if (problem) {
      if (probed.stderr.trim()) {
        this.logs.error(probed.stderr.trim());
      }
      await this.stopClient();
      return this.fail(problem);
    }
    // It died while starting: the same crash policy as later, then try again or say why.
    // Its stderr can arrive just after the connection broke; give it a moment.
    await new Promise((r) => setTimeout(r, STDERR_GRACE_MS));
    const why = this.logs.why() ?? failure.message;
    await this.stopClient();
    const decision = this.policy.onCrash(
      why,
      `The AI Scientist server (${found.path} -m aisci lsp)`,
    );
    this.logs.info(decision.message);
    if (!decision.restart) {
      return this.fail(decision.message);
    }
    await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
    return this.doStart();
  }

  /** The connection of a running server closed without our asking. */
  private onCrash(client: LanguageClient): void {
    if (client !== this.client || this._state !== "running") {
      return;
    }
    this.setState("starting");
    void new Promise((r) => setTimeout(r, STDERR_GRACE_MS)).then(async () => {
      if (client !== this.client) {
        return; // restarted meanwhile
      }
      const decision = this.policy.onCrash(this.logs.why());
      this.logs.info(decision.message);
      await this.enqueue(() => this.stopClient());
      if (!decision.restart) {
        this.fail(decision.message);
        return;
      }
      void vscode.window
        .showWarningMessage(decision.message, "Show Logs")
        .then((b) => b && this.logs.show());
      this.setState("starting");
      await new Promise((r) => setTimeout(r, RESTART_DELAY_MS));
      if (this.client === undefined && this._state === "starting") {
        await this.start();
      }
    });
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.progress.clear();
    if (!client) {
      return;
    }
    try {
      if (client.isRunning() || client.state === State.Starting) {
        await client.stop(10_000);
      }
    } catch (e) {
      this.logs.info(`stopping the server: ${e instanceof Error ? e.message : String(e)}`);
    }
    await client.dispose().catch(() => undefined);
  }

  async stop(): Promise<void> {
    await this.enqueue(() => this.stopClient());
    this.setState("stopped");
  }

  async restart(): Promise<boolean> {
    await this.enqueue(async () => {
      this.policy.reset();
      await this.stopClient();
    });
    return this.start();
  }

  private async sendSettings(): Promise<void> {
    if (this.client?.state !== State.Running) {
      return;
    }
    await this.client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: settingsPayload(),
    });
  }

  /** `workspace/executeCommand` with one object argument; starts the server when needed. */
  async execute<T>(command: string, args: object, token?: vscode.CancellationToken): Promise<T> {
    if (!(await this.start()) || !this.client) {
      throw new Error(
        this.failure ??
          'The AI Scientist server is not running. Run "AI Scientist: Restart Server".',
      );
    }
    const params = { command, arguments: [args] };
    return (
      token
        ? this.client.sendRequest(ExecuteCommandRequest.type, params, token)
        : this.client.sendRequest(ExecuteCommandRequest.type, params)
    ) as Promise<T>;
  }

  /** A quick query; undefined (logged) when the server is not running or the query failed. */
  async query<T>(command: string, args: object = {}): Promise<T | undefined> {
    if (this.client?.state !== State.Running) {
      return undefined;
    }
    try {
      return (await this.client.sendRequest(ExecuteCommandRequest.type, {
        command,
        arguments: [args],
      })) as T;
    } catch (e) {
      this.logs.info(`${command} failed: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  dispose(): void {
    void this.stopClient();
    for (const d of this.disposables) {
      d.dispose();
    }
  }
}
