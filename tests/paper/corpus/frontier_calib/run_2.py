"""A stand-in for this study's experiment.py: only its settings matter here."""

EPOCHS = 30
BATCH_SIZE = 256
LEARNING_RATE = 0.1
WEIGHT_DECAY = 0.0005
SMOOTHING = 0.1
MIXUP_ALPHA = 0.2
ECE_BINS = 15
