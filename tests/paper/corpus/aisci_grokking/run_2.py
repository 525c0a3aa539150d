train_fraction = 0.3
