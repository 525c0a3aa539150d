"""A stand-in for the 2d_diffusion template's experiment.py: only its settings matter to the checker."""

NUM_TIMESTEPS = 100
TRAIN_STEPS = 10000
BATCH_SIZE = 256
LEARNING_RATE = 3e-4
HIDDEN_SIZE = 256
NUM_POINTS = 100000
NUM_SAMPLES = 10000
