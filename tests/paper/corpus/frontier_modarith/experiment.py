"""A stand-in for the experiment.py of this study: only its settings matter to the checker."""

MODULUS = 97
TRAIN_FRACTION = 0.5
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 1.0
WARMUP_STEPS = 500
NUM_STEPS = 10000
BATCH_SIZE = 512
EVAL_EVERY = 50
TARGET_ACC = 0.99
