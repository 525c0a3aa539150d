"""A stand-in for this study's experiment.py: only its settings matter here."""

HIDDEN = 64
LEARNING_RATE = 0.01
WEIGHT_DECAY = 5e-4
EPOCHS = 200
DROPOUT = 0.5
NUM_LAYERS = 2
SEEDS = 10
