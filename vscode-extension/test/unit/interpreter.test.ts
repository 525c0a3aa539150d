import assert from "node:assert/strict";
import { test } from "node:test";
import {
  findInterpreter,
  isProblem,
  probeProblem,
  substituteVariables,
  venvPython,
  type InterpreterSources,
} from "../../src/interpreter";

function sources(
  over: Partial<InterpreterSources> & { present?: string[]; ext?: string },
): InterpreterSources {
  const present = new Set(over.present ?? []);
  return {
    setting: over.setting,
    workspaceFolders: over.workspaceFolders ?? ["/ws"],
    platform: over.platform ?? "linux",
    exists: (f) => present.has(f),
    pythonExtension: () => Promise.resolve(over.ext),
  };
}

test("the setting wins over the workspace .venv and the Python extension", async () => {
  const r = await findInterpreter(
    sources({
      setting: "/opt/py/bin/python",
      present: ["/opt/py/bin/python", "/ws/.venv/bin/python"],
      ext: "/usr/bin/python3",
    }),
  );
  assert.deepEqual(r, { path: "/opt/py/bin/python", source: "setting" });
});

test("a setting naming a missing file is an error, nothing else is tried", async () => {
  const r = await findInterpreter(
    sources({ setting: "/nope/python", present: ["/ws/.venv/bin/python"] }),
  );
  assert.ok(isProblem(r));
  assert.match(r.message, /aiScientist\.python is "\/nope\/python", and no file is there/);
});

test("without a setting the workspace .venv is used", async () => {
  const r = await findInterpreter(
    sources({ setting: "", present: ["/ws/.venv/bin/python"], ext: "/usr/bin/python3" }),
  );
  assert.deepEqual(r, { path: "/ws/.venv/bin/python", source: "workspace .venv" });
});

test("then the Python extension's interpreter", async () => {
  const r = await findInterpreter(sources({ ext: "/usr/bin/python3" }));
  assert.deepEqual(r, { path: "/usr/bin/python3", source: "Python extension" });
});

test("nothing found: the message lists what was tried and how to fix it", async () => {
  const r = await findInterpreter(sources({ workspaceFolders: ["/a", "/b"] }));
  assert.ok(isProblem(r));
  assert.deepEqual(r.tried.slice(0, 2), ["/a/.venv/bin/python", "/b/.venv/bin/python"]);
  assert.match(r.message, /or set aiScientist\.python to a Python that has aisci/);
  assert.match(r.message, /Set Up the AI Scientist Here/);
});

test("Windows venv layout", () => {
  assert.equal(venvPython("C:/ws", "win32").replace(/\\/g, "/"), "C:/ws/.venv/Scripts/python.exe");
});

test("${workspaceFolder} and ~ are expanded in the setting", () => {
  assert.equal(
    substituteVariables(" ${workspaceFolder}/.venv/bin/python ", "/ws", "/home/r"),
    "/ws/.venv/bin/python",
  );
  assert.equal(
    substituteVariables("~/envs/a/bin/python", undefined, "/home/r"),
    "/home/r/envs/a/bin/python",
  );
});

const interp = { path: "/ws/.venv/bin/python", source: "workspace .venv" as const };

test("probe: aisci importable is no problem", () => {
  assert.equal(probeProblem(interp, { exitCode: 0, stdout: "0.1.0", stderr: "" }), undefined);
});

test("probe: aisci missing names the interpreter and how to install", () => {
  const m = probeProblem(interp, {
    exitCode: 1,
    stdout: "",
    stderr: "Traceback...\nModuleNotFoundError: No module named 'aisci'\n",
  });
  assert.ok(m);
  assert.match(m, /aisci is not installed in \/ws\/\.venv\/bin\/python \(from workspace \.venv\)/);
  assert.match(m, /Run "AI Scientist: Set Up the AI Scientist Here…" to install it there/);
});

test("probe: a Python that cannot run at all", () => {
  const m = probeProblem(interp, {
    exitCode: null,
    stdout: "",
    stderr: "",
    spawnError: "ENOENT (spawn /ws/.venv/bin/python ENOENT)",
  });
  assert.match(m ?? "", /could not be run: ENOENT/);
});

test("probe: another import error quotes its last line", () => {
  const m = probeProblem(interp, {
    exitCode: 1,
    stdout: "",
    stderr: "Traceback\nImportError: numpy.core.multiarray failed to import\n",
  });
  assert.match(
    m ?? "",
    /importing aisci in .* failed: ImportError: numpy.core.multiarray failed to import/,
  );
});
