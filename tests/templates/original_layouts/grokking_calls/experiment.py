"""Modular arithmetic learnt by a linear softmax model in mini-batches: a tiny stand-in with the
original grokking template's layout (settings as call keywords and locals inside run())."""
import argparse
import json
import os

import numpy as np


def get_data(operation, prime, training_fraction, batch_size, seed):
    rng = np.random.default_rng(seed)
    a, b = (g.ravel() for g in np.meshgrid(np.arange(prime), np.arange(prime), indexing="ij"))
    y = (a + b) % prime if operation == "x_plus_y" else (a - b) % prime
    x = np.zeros((len(y), 2 * prime))
    x[np.arange(len(y)), a] = x[np.arange(len(y)), prime + b] = 1.0
    order = rng.permutation(len(y))
    cut = int(training_fraction * len(y))

    def batches(part):
        while True:
            pick = rng.choice(part, size=min(batch_size, len(part)), replace=False)
            yield x[pick], y[pick]

    return batches(order[:cut]), batches(order[cut:]), x.shape[1], prime


class Optimizer:
    def __init__(self, weights, lr, weight_decay):
        self.weights, self.lr, self.weight_decay = weights, lr, weight_decay

    def step(self, grad):
        self.weights -= self.lr * (grad + self.weight_decay * self.weights)


def forward(w, x, y):
    logits = x @ w
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    loss = float(-np.mean(np.log(p[np.arange(len(y)), y] + 1e-12)))
    accuracy = float(np.mean(p.argmax(1) == y))
    p[np.arange(len(y)), y] -= 1
    return loss, accuracy, x.T @ p / len(y)


def train(optimizer, loader, num_train_batches):
    for _ in range(num_train_batches):
        x, y = next(loader)
        loss, accuracy, grad = forward(optimizer.weights, x, y)
        optimizer.step(grad)
    return {"train_loss": loss, "train_accuracy": accuracy}


def evaluate(w, loader):
    x, y = next(loader)
    loss, accuracy, _ = forward(w, x, y)
    return {"val_loss": loss, "val_accuracy": accuracy}


def run(out_dir, dataset, seed_offset):
    os.makedirs(out_dir, exist_ok=True)
    train_loader, val_loader, n_in, n_out = get_data(
        operation=dataset,
        prime=7,
        training_fraction=0.5,
        batch_size=16,
        seed=seed_offset,
    )
    w = np.zeros((n_in, n_out))
    optimizer = Optimizer(w, lr=0.5, weight_decay=0.001)
    num_train_batches = 10
    num_total_updates = 200

    val_log_info = []
    for ep in range(num_total_updates // num_train_batches):
        train_metrics = train(optimizer, train_loader, num_train_batches)
        val_metrics = evaluate(w, val_loader)
        val_metrics["step"] = (ep + 1) * num_train_batches
        val_log_info.append(val_metrics)
    final_info = {
        "final_train_loss": train_metrics["train_loss"],
        "final_val_loss": val_metrics["val_loss"],
        "final_train_acc": train_metrics["train_accuracy"],
        "final_val_acc": val_metrics["val_accuracy"],
    }
    with open(os.path.join(out_dir, f"final_info_{dataset}_{seed_offset}.json"), "w") as f:
        json.dump(final_info, f)
    return final_info, val_log_info


parser = argparse.ArgumentParser(description="Run experiment")
parser.add_argument("--out_dir", type=str, default="run_0", help="Output directory")
args = parser.parse_args()


if __name__ == "__main__":
    num_seeds = {"x_plus_y": 2, "x_minus_y": 2}
    all_results, final_infos = {}, {}
    for dataset in ["x_plus_y", "x_minus_y"]:
        final_info_list = []
        for seed_offset in range(num_seeds[dataset]):
            final_info, val_info = run(args.out_dir, dataset, seed_offset)
            all_results[f"{dataset}_{seed_offset}_val_info"] = val_info
            final_info_list.append(final_info)
        final_info_dict = {k: [d[k] for d in final_info_list] for k in final_info_list[0]}
        final_infos[dataset] = {
            "means": {f"{k}_mean": float(np.mean(v)) for k, v in final_info_dict.items()},
            "stderrs": {f"{k}_stderr": float(np.std(v) / len(v)) for k, v in final_info_dict.items()},
            "final_info_dict": final_info_dict,
        }
    with open(os.path.join(args.out_dir, "final_info.json"), "w") as f:
        json.dump(final_infos, f)
    np.save(os.path.join(args.out_dir, "all_results.npy"), all_results)
