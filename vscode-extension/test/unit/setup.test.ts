import assert from "node:assert/strict";
import { test } from "node:test";
import {
  bundledWheel,
  parseTemplateList,
  pipFailure,
  pipInstallArgs,
  pipProgress,
  setupChoices,
  templateDetail,
  venvFailure,
} from "../../src/pip";
import { setupTarget } from "../../src/setup";
import { ConfigurationTarget } from "./vscode-mock";

const PY = "/ws/venv/bin/python";

test("the set-up offers each interpreter once, the setting first, then create and browse", () => {
  const choices = setupChoices(
    [
      { path: "/ws/.venv/bin/python", source: "the workspace's .venv" },
      { path: "/usr/bin/python3", source: "python3 on PATH" },
      { path: "/opt/fresh/bin/python", source: "the Python extension's choice" },
    ],
    { setting: "/opt/fresh/bin/python", settingExists: true, root: "/ws", venvExists: true },
  );
  assert.deepEqual(
    choices.map((c) => c.python ?? c.label),
    [
      "/opt/fresh/bin/python",
      "/ws/.venv/bin/python",
      "/usr/bin/python3",
      "$(folder-opened) Browse…",
    ],
  );
  assert.equal(choices[0].description, "the setting aiScientist.python");
  // No .venv yet: creating one is offered; a setting naming a missing file is not an interpreter.
  const fresh = setupChoices([{ path: "/usr/bin/python3", source: "python3 on PATH" }], {
    setting: "/gone/python",
    settingExists: false,
    root: "/ws",
    venvExists: false,
  });
  assert.deepEqual(
    fresh.map((c) => [c.python, !!c.create, !!c.browse]),
    [
      ["/usr/bin/python3", false, false],
      [undefined, true, false],
      [undefined, false, true],
    ],
  );
  assert.equal(fresh[1].description, "python3 -m venv /ws/.venv");
  // No workspace folder: nowhere to create a .venv.
  const none = setupChoices([], { settingExists: false, venvExists: false });
  assert.deepEqual(
    none.map((c) => !!c.browse),
    [true],
  );
});

test("pip installs the bundled wheel with an argument array, quietly and without prompts", () => {
  const args = pipInstallArgs("/ext/dist/wheel/aisci-0.1.0-py3-none-any.whl");
  assert.deepEqual(args.slice(0, 3), ["-m", "pip", "install"]);
  assert.equal(args.at(-1), "/ext/dist/wheel/aisci-0.1.0-py3-none-any.whl");
  assert.ok(args.includes("--no-input") && args.includes("--disable-pip-version-check"));
  assert.equal(args[args.indexOf("--progress-bar") + 1], "off");
  assert.ok(!args.some((a) => a.includes(" ") && !a.startsWith("/")), "no shell words");
});

test("pip's lines become short progress words; other lines say nothing", () => {
  const cases: [string, string | undefined][] = [
    [
      "Processing ./dist/wheel/aisci-0.1.0-py3-none-any.whl",
      "reading aisci-0.1.0-py3-none-any.whl",
    ],
    ["Collecting aider-chat==0.86.2 (from aisci==0.1.0)", "collecting aider-chat"],
    ["Collecting litellm>=1.0", "collecting litellm"],
    [
      "  Downloading aider_chat-0.86.2-py3-none-any.whl (4.1 MB)",
      "downloading aider_chat-0.86.2-py3-none-any.whl (4.1 MB)",
    ],
    [
      "Requirement already satisfied: pygls==2.1.1 in ./deps (from aisci==0.1.0) (2.1.1)",
      "pygls is there already",
    ],
    ["Building wheel for pylatexenc (pyproject.toml) ... done", "building pylatexenc"],
    ["Installing collected packages: aisci, pygls, watchdog", "installing 3 packages"],
    ["Installing collected packages: aisci", "installing 1 package"],
    ["Successfully installed aisci-0.1.0 pygls-2.1.1", "installed 2 package(s)"],
    ["INFO: pip is looking at multiple versions of aisci", undefined],
    ["", undefined],
  ];
  for (const [line, words] of cases) {
    assert.equal(pipProgress(line), words, line);
  }
});

test("pip's failures become one message each, saying what to do", () => {
  const failed = (output: string, exitCode: number | null = 1) =>
    pipFailure(PY, { exitCode, output }) ?? "";
  assert.equal(
    pipFailure(PY, { exitCode: 0, output: "Successfully installed aisci-0.1.0" }),
    undefined,
  );
  const unreachable = failed(
    "WARNING: Retrying (Retry(total=0)) after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -2] Name or service not known')': /simple/aider-chat/\n" +
      "ERROR: Could not find a version that satisfies the requirement aider-chat==0.86.2 (from aisci) (from versions: none)\n" +
      "ERROR: No matching distribution found for aider-chat==0.86.2\n",
  );
  assert.match(unreachable, /^pip could not reach the package index: NewConnectionError/);
  assert.match(unreachable, /; check the network or set PIP_INDEX_URL\.$/);
  const noIndex = failed(
    "ERROR: Could not find a version that satisfies the requirement aider-chat==0.86.2 (from aisci) (from versions: none)\nERROR: No matching distribution found for aider-chat==0.86.2\n",
  );
  assert.match(noIndex, /^pip could not reach the package index, or it has no aider-chat==0.86.2/);
  assert.match(noIndex, /set PIP_INDEX_URL/);
  assert.match(
    failed(`${PY}: No module named pip\n`),
    /has no pip\. Add it \(.* -m ensurepip --upgrade\)/,
  );
  assert.match(
    failed("error: externally-managed-environment\n\n× This environment is externally managed"),
    /belongs to the system.*Create a \.venv in this workspace instead/,
  );
  assert.match(
    failed("ERROR: Package 'aisci' requires a different Python: 3.13.1 not in '<3.13,>=3.10'\n"),
    /aisci needs Python <3\.13,>=3\.10 and this one is 3\.13\.1/,
  );
  assert.match(
    failed(
      "ERROR: Could not install packages due to an OSError: [Errno 13] Permission denied: '/usr/lib'\n",
    ),
    /permission denied\)\. Create a \.venv/,
  );
  assert.equal(
    failed("Processing x.whl\nERROR: disk full\nsome trailing line\n", 2),
    `Installing aisci into ${PY} failed (exit 2): ERROR: disk full. Show Logs has pip's whole output.`,
  );
  assert.match(
    pipFailure(PY, { exitCode: null, output: "", cancelled: true }) ?? "",
    /was cancelled: pip was stopped/,
  );
  assert.match(
    pipFailure(PY, { exitCode: null, output: "", spawnError: "ENOENT (spawn x ENOENT)" }) ?? "",
    /could not be run: ENOENT.*Choose another interpreter/,
  );
});

test("a venv that cannot be made says which package to install", () => {
  assert.equal(venvFailure("/ws/.venv", { exitCode: 0, output: "" }), undefined);
  assert.match(
    venvFailure("/ws/.venv", {
      exitCode: 1,
      output:
        "The virtual environment was not created successfully because ensurepip is not\navailable.",
    }) ?? "",
    /python3-venv package/,
  );
});

test("the bundled wheel is the aisci wheel in the folder", () => {
  assert.equal(
    bundledWheel(["README", "aisci-0.1.0-py3-none-any.whl", "other-1.0-py3-none-any.whl"]),
    "aisci-0.1.0-py3-none-any.whl",
  );
  assert.equal(bundledWheel(["aisci.tar.gz"]), undefined);
});

test("the set-up writes the interpreter where the workspace's value lives", () => {
  assert.equal(setupTarget({}, true).target, ConfigurationTarget.Workspace);
  assert.equal(
    setupTarget({ workspaceFolderValue: "/x" }, true).target,
    ConfigurationTarget.WorkspaceFolder,
  );
  assert.equal(setupTarget({ globalValue: "/y" }, false).target, ConfigurationTarget.Global);
});

test("aisci template list --json is read and checked", () => {
  const [t] = parseTemplateList(
    JSON.stringify({
      root: "/pkg/aisci/shipped",
      templates: [
        {
          name: "nanogpt",
          studies: "character-level language models",
          scales: ["smoke", "cpu", "full"],
          data: ["shakespeare_char"],
          unprepared: ["shakespeare_char"],
        },
      ],
    }),
  );
  assert.equal(t.name, "nanogpt");
  assert.equal(
    templateDetail(t),
    "scales: smoke, cpu, full; data: shakespeare_char (not prepared)",
  );
  assert.equal(
    templateDetail({ name: "g", studies: "", scales: [], data: [], unprepared: [] }),
    "no scales; makes its own data",
  );
  assert.throws(() => parseTemplateList('{"templates": [{"studies": "x"}]}'), /without a name/);
  assert.throws(() => parseTemplateList("{}"), /no list of templates/);
});
