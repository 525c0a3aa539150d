weight_decay = 1.0
