"""A stand-in for the nanoGPT experiment.py of this study: only its settings matter to the checker."""

N_LAYER = 6
N_HEAD = 6
N_EMBD = 384
BLOCK_SIZE = 256
BATCH_SIZE = 64
LEARNING_RATE = 1e-3
MAX_ITERS = 5000
DROPOUT = 0.2
WARMUP_ITERS = 100
