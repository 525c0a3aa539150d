/**
 * Starting, restarting and talking to `aisci lsp`: the server's life (start, crash, restart,
 * stop) and its calls. Which Python serves is serverPython.ts's; the language client (its
 * options, its notifications) is serverClient.ts's.
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

import * as fs from "fs";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  State,
} from "vscode-languageclient/node";
import { CrashPolicy } from "./crashPolicy";
import { interpreterChanged, serverFailure, ServerDown } from "./errors";
import { tell } from "./tell";
import { JobProgress } from "./progress";
import { Interpreter, isProblem, probeProblem } from "./interpreter";
import type { Logs } from "./logs";
import type { ProposalReviewer } from "./proposals";
import type { ApiKeys } from "./secrets";
import { SECTION } from "./settings";
import { createClient, type Notification, settingsPayload } from "./serverClient";
import { findServerInterpreter, probe, pythonExtensionInterpreter } from "./serverPython";
import { workspaceRoot } from "./workspace";

export type { Notification } from "./serverClient";

const RESTART_DELAY_MS = 1000;
const STDERR_GRACE_MS = 300;

export type ServerState = "stopped" | "starting" | "running" | "failed";

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly policy = new CrashPolicy();
  private readonly notifications = new vscode.EventEmitter<Notification>();
  private readonly stateChanged = new vscode.EventEmitter<ServerState>();
  private readonly disposables: vscode.Disposable[] = [];
  private starting: Promise<boolean> | undefined;
  /** Settings changed while the server was starting: its start options predate them. */
  private settingsChanged = false;
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
    readonly logs: Logs,
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
          // In any scope, a value removed too: say which Python serves now (a failure says why).
          this.logs.info("aiScientist.python changed: restarting the server.");
          void this.restart().then(
            (ok) =>
              ok && void vscode.window.showInformationMessage(interpreterChanged(this.interpreter)),
          );
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
    this.setState("failed", message);
    if (this.quiet) {
      this.logs.error(message); // the activation's start: the side bar says it, no pop-up
    } else {
      void tell(serverFailure(message), { logs: this.logs });
    }
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
    this.settingsChanged = false;
    const began = Date.now();
    const keysRead = this.keys.environment().catch(() => ({})); // meanwhile: the interpreter
    const root = workspaceRoot();
    const trusted = vscode.workspace.isTrusted;
    const found = await findServerInterpreter(root, trusted);
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
    const client: LanguageClient = createClient({
      python: found.path,
      root,
      env,
      logs: this.logs,
      proposals: this.proposals,
      // Called only once the client exists (it is the client's own handler).
      onClosed: () => {
        if (client !== this.startingClient) {
          this.onCrash(client);
        }
      },
      onNotification: (n) => this.notifications.fire(n),
    });
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
      if (this.settingsChanged) {
        await this.sendSettings(); // changed after the start options were read
      }
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
      // Sent once it runs (doStart); a stopped server reads them when it starts.
      this.settingsChanged = this._state === "starting";
      return;
    }
    this.settingsChanged = false;
    await this.client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: settingsPayload(),
    });
  }

  /** `workspace/executeCommand` with one object argument; starts the server when needed. */
  async execute<T>(command: string, args: object, token?: vscode.CancellationToken): Promise<T> {
    if (!(await this.start()) || !this.client) {
      throw new ServerDown(this.failure ?? "the AI Scientist server is not running");
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
