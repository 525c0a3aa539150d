/**
 * "AI Scientist: Create Template": a new template under a workspace folder's templates/.
 *
 * Contract: refuses in an untrusted workspace. With several workspace folders it asks which one;
 * with none it says to open one. It starts the server first (that finds the interpreter and says
 * what is wrong with it), asks for the name, checking each keystroke with the server's
 * `aisci.checkTemplateName` (the rule `aisci template new` applies), then runs
 * `<python> -m aisci template new NAME --dir <folder>/templates` (60 s at most), its output going
 * to the log. On success it opens the new experiment.py and offers "Run Baseline" and "Check
 * Template"; on failure it shows the CLI's last line with "Show Logs".
 */

import * as cp from "child_process";
import * as path from "path";
import * as vscode from "vscode";
import type { TemplateNameCheck } from "./protocol";
import { type Parts, trustedOrSay } from "./serverCommand";
import { chooseWorkspaceRoot } from "./workspace";

export async function createTemplate(p: Parts): Promise<void> {
  if (!trustedOrSay("Create Template")) {
    return;
  }
  const root = await chooseWorkspaceRoot(
    "The workspace folder to create the template in (under its templates/)",
    "Open a folder first: templates are created under its templates/ folder.",
  );
  if (!root) {
    return;
  }
  // Started first: it finds the interpreter (and says what is wrong with it), and it answers
  // for the name what `aisci template new` would (one rule, core/new_template.py). Should it
  // not answer, the CLI below still refuses a bad name with the same message.
  await p.server.start();
  const python = p.server.interpreter?.path;
  if (!python) {
    return;
  }
  const dir = path.join(root, "templates");
  const name = await vscode.window.showInputBox({
    title: "AI Scientist: Create Template",
    prompt: `A new template under ${dir}: a small numpy experiment, its plot script and a LaTeX skeleton that pass the template check.`,
    placeHolder: "my_template",
    // Kept open when the focus moves (a closing diff editor, a preview's refresh): a name
    // half typed is not lost to something the researcher did not do.
    ignoreFocusOut: true,
    validateInput: async (v) =>
      (await p.server.query<TemplateNameCheck>("aisci.checkTemplateName", { name: v, dir }))
        ?.problem ?? undefined,
  });
  if (!name) {
    return;
  }
  const args = ["-m", "aisci", "template", "new", name, "--dir", dir];
  p.logs.info(`${python} ${args.join(" ")}`);
  const outcome = await new Promise<{ code: number; out: string }>((resolve) => {
    cp.execFile(python, args, { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? 1 : 0, out: `${stdout}${stderr}`.trim() });
    });
  });
  if (outcome.out) {
    p.logs.channel.appendLine(outcome.out);
  }
  if (outcome.code !== 0) {
    void vscode.window
      .showErrorMessage(
        `Creating template ${name} failed: ${outcome.out.split("\n").pop()}`,
        "Show Logs",
      )
      .then((b) => b && p.logs.show());
    return;
  }
  await p.store.refresh();
  const experiment = vscode.Uri.file(path.join(root, "templates", name, "experiment.py"));
  await vscode.window.showTextDocument(experiment);
  const b = await vscode.window.showInformationMessage(
    `Template ${name} created.`,
    "Run Baseline",
    "Check Template",
  );
  if (b) {
    const template = path.join(root, "templates", name);
    await vscode.commands.executeCommand(
      b === "Run Baseline" ? "aiScientist.runBaseline" : "aiScientist.checkTemplate",
      { template },
    );
  }
}
