"""A stand-in for the compressed_cnn experiment.py of this study: only its settings matter here."""

IMAGE_SIDE = 28
NUM_TRAIN = 60000
NUM_TEST = 10000
EPOCHS = 10
BATCH_SIZE = 128
LEARNING_RATE = 0.01
MOMENTUM = 0.9
COMPRESSED_DIM = 64
SEEDS = (0, 1, 2, 3, 4)
