"""A stand-in for the grokking template's experiment.py: only its settings matter to the checker."""

from dataclasses import dataclass


@dataclass
class Config:
    prime: int = 97
    train_fraction: float = 0.5
    learning_rate: float = 1e-3
    weight_decay: float = 0.5
    batch_size: int = 512
    num_steps: int = 7500
    eval_interval: int = 50
    d_model: int = 128
    n_layers: int = 2
    seeds: tuple = (0, 1, 2)
    grokked_at: float = 0.99  # the validation accuracy step_val_acc_99 waits for
