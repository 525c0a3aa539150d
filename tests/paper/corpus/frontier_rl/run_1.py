"""A stand-in for this study's experiment.py: only its settings matter here."""

TOTAL_STEPS = 200_000
N_ENVS = 8
ROLLOUT = 128
GAMMA = 0.99
GAE_LAMBDA = 0.95
CLIP = 0.2
LEARNING_RATE = 3e-4
SEEDS = 8
RETURN_WINDOW = 100
SOLVED_AT = {"cartpole": 475, "acrobot": -100}
MAX_EPISODE_STEPS = 500
