"""Grokking on small algorithmic data sets: our implementation of the study of Power et al. (2022).

Contract: `python experiment.py --out_dir=run_i` (no other argument) trains a small decoder-only
transformer on each data set and seed of the chosen scale and writes

- `run_i/final_info.json`: {dataset: {"means": {metric: float}, "stderrs": {...},
  "final_info_dict": {metric: [one value per seed]}}}
- `run_i/all_results.json`: {"config": {...}, "curves": {dataset: {"seed_<s>": {"step": [...],
  "train_loss": [...], "val_loss": [...], "train_acc": [...], "val_acc": [...],
  "steps_trained": int, "train_seconds": float}}}}

Each example is the sequence "x op y =" and the model predicts the result token from the last
position. The table of all (x, y) pairs is split once per seed into train and validation sets.

Metrics (per data set): final_train_loss, final_val_loss, final_train_acc, final_val_acc (at the
last step trained) and step_val_acc_99, the first evaluated step at which validation accuracy
reaches 0.99. A run that never reaches it reports the number of steps it trained instead, so the
value is an upper bound there, never a missing number; reached_val_acc_99 (1 or 0 per seed) says
which, and aisci.json declares the stand-in so no page or paper shows it as a result.

Scale (environment variable AISCI_SCALE): smoke (seconds, x_plus_y only, no grokking expected),
cpu (x_plus_y mod 97, one seed, stops shortly after it groks; minutes on 2 cores), full (four data
sets x three seeds x 7,500 steps; meant for a GPU). Default: full with CUDA, else cpu.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, replace

import torch
import torch.nn as nn
import torch.nn.functional as F

# --- Knobs: the hyperparameters a sweep may change (one literal per line; see knobs.json). ---
LEARNING_RATE = 1e-3  # knob: AdamW learning rate after the warm-up
WEIGHT_DECAY = 1.0  # knob: decoupled AdamW weight decay; the pressure that makes the model grok
TRAIN_FRACTION = 0.5  # knob: share of all (x, y) pairs used for training; the rest is validation
D_MODEL = 128  # knob: transformer width (must be divisible by N_HEADS)

N_HEADS = 4
N_LAYERS = 2
ALL_DATASETS = ("x_plus_y", "x_minus_y", "x_div_y", "permutation")
SCALES = ("smoke", "cpu", "full")


@dataclass(frozen=True)
class Config:
    datasets: tuple[str, ...]
    seeds: tuple[int, ...]
    prime: int = 97  # modulus of the arithmetic tasks, as in Power et al.
    perm_size: int = 5  # permutation task: S5, 120 elements
    num_steps: int = 7_500
    batch_size: int = 512  # larger than the train set (small p) means full batch
    warmup_steps: int = 50  # linear warm-up, then a constant learning rate
    eval_interval: int = 50  # resolution of step_val_acc_99 and of the curves
    log_interval: int = 500
    # Stop once validation accuracy has stayed >= 0.99 for this many evaluations (None: never);
    # the cpu scale uses it to save minutes, the full study always trains every step.
    stop_after_grokked_evals: int | None = None
    learning_rate: float = LEARNING_RATE
    weight_decay: float = WEIGHT_DECAY
    train_fraction: float = TRAIN_FRACTION
    d_model: int = D_MODEL
    n_heads: int = N_HEADS
    n_layers: int = N_LAYERS
    betas: tuple[float, float] = (0.9, 0.98)  # a short second-moment memory, as in Power et al.
    out_dir: str = "run_0"  # --out_dir (main sets it): where the progress report goes


def config_for(scale: str) -> Config:
    if scale == "smoke":
        # A wiring check: a smaller modulus keeps every step and evaluation tiny. It does not
        # grok at this length (nor would p=97); it only has to run end to end.
        return Config(datasets=("x_plus_y",), seeds=(0,), prime=23, num_steps=300,
                      eval_interval=25, log_interval=100)
    if scale == "cpu":
        return Config(datasets=("x_plus_y",), seeds=(0,), stop_after_grokked_evals=3)
    return Config(datasets=ALL_DATASETS, seeds=(0, 1, 2))


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Task:
    """All examples of one algorithmic task: inputs (N, 4) token ids, targets (N,)."""

    name: str
    inputs: torch.Tensor
    targets: torch.Tensor
    vocab_size: int
    n_classes: int


def _table(name: str, cfg: Config) -> tuple[list[tuple[int, int, int]], int]:
    """Every (x, y, result) triple of the task and the number of elements."""
    p = cfg.prime
    if name == "x_plus_y":
        return [(x, y, (x + y) % p) for x in range(p) for y in range(p)], p
    if name == "x_minus_y":
        return [(x, y, (x - y) % p) for x in range(p) for y in range(p)], p
    if name == "x_div_y":
        # Division in the field Z_p: x / y = x * y^(p-2) (Fermat), y = 0 excluded.
        return [(x, y, (x * pow(y, p - 2, p)) % p) for x in range(p) for y in range(1, p)], p
    if name == "permutation":
        perms = list(itertools.permutations(range(cfg.perm_size)))
        index = {perm: i for i, perm in enumerate(perms)}
        rows = []
        for i, a in enumerate(perms):
            for j, b in enumerate(perms):
                composed = tuple(a[b[k]] for k in range(cfg.perm_size))  # (a o b)(k) = a(b(k))
                rows.append((i, j, index[composed]))
        return rows, len(perms)
    raise ValueError(f"unknown data set {name!r}")


def make_task(name: str, cfg: Config) -> Task:
    rows, n = _table(name, cfg)
    op_token, eq_token = n, n + 1  # element tokens are 0..n-1; one task per model, so one op
    xy = torch.tensor([(x, y) for x, y, _ in rows], dtype=torch.long)
    inputs = torch.stack(
        [xy[:, 0], torch.full_like(xy[:, 0], op_token), xy[:, 1], torch.full_like(xy[:, 0], eq_token)],
        dim=1,
    )
    targets = torch.tensor([r for _, _, r in rows], dtype=torch.long)
    return Task(name, inputs, targets, vocab_size=n + 2, n_classes=n)


def split(task: Task, fraction: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded train/validation index split of the whole table."""
    gen = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(task.targets), generator=gen)
    n_train = int(fraction * len(order))
    return order[:n_train], order[n_train:]


def batches(n: int, batch_size: int, gen: torch.Generator):
    """Endless shuffled epochs of train indices; a train set smaller than a batch is one batch."""
    if n <= batch_size:
        everything = torch.arange(n)
        while True:
            yield everything
    while True:
        order = torch.randperm(n, generator=gen)
        # Drop the ragged tail so every step sees the same batch size; the next shuffle covers it.
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start:start + batch_size]


# ----------------------------------------------------------------------------- model


class Block(nn.Module):
    """Pre-norm transformer block: causal self-attention, then a 4x MLP."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.ln_attn = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, n_heads, batch_first=True)
        self.ln_mlp = nn.LayerNorm(d_model)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model))

    def forward(self, x: torch.Tensor, causal_mask: torch.Tensor, last_only: bool = False) -> torch.Tensor:
        h = self.ln_attn(x)
        query = h
        if last_only:
            # Only the last position reaches the head, and under the causal mask nothing reads the
            # other positions' outputs of the last block: skip them (about 30% less compute).
            query, x, causal_mask = h[:, -1:], x[:, -1:], None
        x = x + self.attn(query, h, h, attn_mask=causal_mask, need_weights=False)[0]
        return x + self.mlp(self.ln_mlp(x))


class Transformer(nn.Module):
    """Decoder-only transformer that reads "x op y =" and classifies the result at the last token."""

    def __init__(self, vocab_size: int, n_classes: int, seq_len: int, cfg: Config):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, cfg.d_model)
        self.pos = nn.Embedding(seq_len, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg.d_model, cfg.n_heads) for _ in range(cfg.n_layers))
        self.ln_out = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, n_classes)
        # True above the diagonal = masked: position i attends to positions <= i only.
        self.register_buffer("causal_mask", torch.triu(torch.ones(seq_len, seq_len, dtype=torch.bool), 1))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.tok(tokens) + self.pos(positions)
        for i, block in enumerate(self.blocks):
            x = block(x, self.causal_mask, last_only=i == len(self.blocks) - 1)
        return self.head(self.ln_out(x[:, -1]))


# ----------------------------------------------------------------------------- training


@torch.no_grad()
def evaluate(model: nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[float, float]:
    model.eval()
    loss_sum, correct = 0.0, 0
    for start in range(0, len(targets), 8192):  # chunks bound memory for the largest table
        logits = model(inputs[start:start + 8192])
        y = targets[start:start + 8192]
        loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
        correct += (logits.argmax(-1) == y).sum().item()
    model.train()
    return loss_sum / len(targets), correct / len(targets)


def train_one(dataset: str, seed: int, cfg: Config, device: torch.device) -> tuple[dict, dict]:
    """Train on one data set with one seed; return (final metrics, curves)."""
    torch.manual_seed(seed)  # model initialisation
    task = make_task(dataset, cfg)
    train_idx, val_idx = split(task, cfg.train_fraction, seed)
    x_train, y_train = task.inputs[train_idx].to(device), task.targets[train_idx].to(device)
    x_val, y_val = task.inputs[val_idx].to(device), task.targets[val_idx].to(device)

    model = Transformer(task.vocab_size, task.n_classes, task.inputs.shape[1], cfg).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, betas=cfg.betas,
                                  weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / cfg.warmup_steps))
    batch_gen = torch.Generator().manual_seed(10_000 + seed)  # batch order, apart from the split

    curves = {"step": [], "train_loss": [], "val_loss": [], "train_acc": [], "val_acc": []}
    step_val_acc_99 = None
    grokked_evals = 0
    started = time.time()
    step = 0
    for step, idx in enumerate(batches(len(y_train), cfg.batch_size, batch_gen), start=1):
        idx = idx.to(device)
        loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        scheduler.step()

        if step % cfg.eval_interval == 0 or step == cfg.num_steps:
            train_loss, train_acc = evaluate(model, x_train, y_train)
            val_loss, val_acc = evaluate(model, x_val, y_val)
            for key, value in zip(curves, (step, train_loss, val_loss, train_acc, val_acc)):
                curves[key].append(value)
            report_progress(cfg, dataset, seed, step, {"val_acc": val_acc})
            if val_acc >= 0.99:
                grokked_evals += 1
                if step_val_acc_99 is None:
                    step_val_acc_99 = step
                    print(f"{dataset} seed {seed}: validation accuracy reached 0.99 at step {step}", flush=True)
            else:
                grokked_evals = 0
            if step % cfg.log_interval == 0 or step == cfg.num_steps:
                print(f"{dataset} seed {seed} step {step}: train loss {train_loss:.4f} acc {train_acc:.3f} | "
                      f"val loss {val_loss:.4f} acc {val_acc:.3f} | {time.time() - started:.0f}s", flush=True)
            if cfg.stop_after_grokked_evals and grokked_evals >= cfg.stop_after_grokked_evals:
                print(f"{dataset} seed {seed}: stopping at step {step}, validation accuracy >= 0.99 "
                      f"for {grokked_evals} evaluations", flush=True)
                break
        if step >= cfg.num_steps:
            break

    final = {
        "final_train_loss": curves["train_loss"][-1],
        "final_val_loss": curves["val_loss"][-1],
        "final_train_acc": curves["train_acc"][-1],
        "final_val_acc": curves["val_acc"][-1],
        # Never reached 0.99: report the steps trained, an upper bound rather than a missing value.
        "step_val_acc_99": step_val_acc_99 if step_val_acc_99 is not None else step,
        # 1.0 where it did: its mean over seeds is the fraction that reached 0.99, and aisci.json
        # declares step_val_acc_99 a stand-in wherever that mean is below 1.
        "reached_val_acc_99": 1.0 if step_val_acc_99 is not None else 0.0,
    }
    curves["steps_trained"] = step
    curves["train_seconds"] = round(time.time() - started, 1)
    return final, curves


def summarise(per_seed: list[dict]) -> dict:
    """means, standard errors over seeds (none with one seed: no spread to measure), per-seed lists."""
    lists = {key: [run[key] for run in per_seed] for key in per_seed[0]}
    means, stderrs = {}, {}
    for key, values in lists.items():
        n = len(values)
        means[key] = sum(values) / n
        if n > 1:
            var = sum((v - means[key]) ** 2 for v in values) / (n - 1)
            stderrs[key] = math.sqrt(var / n)
    summary = {"means": means, "final_info_dict": lists}
    if stderrs:
        summary["stderrs"] = stderrs
    return summary


def write_json(path: str, data: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)


def report_progress(cfg: Config, dataset: str, seed: int, step: int, metrics: dict) -> None:
    """How far the whole run is, for aisci's progress display (optional in the template
    contract): out_dir/progress.json, replaced whole. A seed that stops early skips ahead."""
    before = (cfg.datasets.index(dataset) * len(cfg.seeds) + cfg.seeds.index(seed)) * cfg.num_steps
    total = len(cfg.datasets) * len(cfg.seeds) * cfg.num_steps
    write_json(os.path.join(cfg.out_dir, "progress.json"),
               {"step": before + step, "total": total, "metrics": metrics})


def main() -> None:
    parser = argparse.ArgumentParser(description="Grokking on modular arithmetic and permutations.")
    parser.add_argument("--out_dir", type=str, default="run_0")
    args = parser.parse_args()

    has_cuda = torch.cuda.is_available()
    scale = os.environ.get("AISCI_SCALE") or ("full" if has_cuda else "cpu")
    if scale not in SCALES:
        print(f"experiment.py: unknown AISCI_SCALE {scale!r}; allowed values: {', '.join(SCALES)}.",
              file=sys.stderr)
        sys.exit(2)
    cfg = config_for(scale)
    if os.environ.get("AISCI_SEED"):  # AISCI_SEED: one run with that seed in place of the scale's (aisci's confirmation over seeds)
        cfg = replace(cfg, seeds=(int(os.environ["AISCI_SEED"]),))
    device = torch.device("cuda" if has_cuda else "cpu")
    if not has_cuda and "OMP_NUM_THREADS" not in os.environ:
        # One thread: these matrices are too small to gain much from more, and runs often share
        # a machine (sweeps, --parallel, other work), where competing threads slow each run several-fold.
        torch.set_num_threads(1)
    cfg = replace(cfg, out_dir=args.out_dir)
    os.makedirs(args.out_dir, exist_ok=True)
    print(f"scale {scale} on {device}: datasets {', '.join(cfg.datasets)}; seeds {list(cfg.seeds)}; "
          f"lr {cfg.learning_rate} wd {cfg.weight_decay} train fraction {cfg.train_fraction} "
          f"d_model {cfg.d_model}", flush=True)

    final_info, curves = {}, {}
    for dataset in cfg.datasets:
        per_seed = []
        curves[dataset] = {}
        for seed in cfg.seeds:
            final, curve = train_one(dataset, seed, cfg, device)
            per_seed.append(final)
            curves[dataset][f"seed_{seed}"] = curve
        final_info[dataset] = summarise(per_seed)
        means = final_info[dataset]["means"]
        print(f"{dataset}: val acc {means['final_val_acc']:.3f}, step_val_acc_99 {means['step_val_acc_99']:.0f}",
              flush=True)

    write_json(os.path.join(args.out_dir, "final_info.json"), final_info)
    write_json(os.path.join(args.out_dir, "all_results.json"),
               {"config": dict(asdict(cfg), scale=scale), "curves": curves})


if __name__ == "__main__":
    main()
