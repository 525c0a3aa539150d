label_smoothing = 0.1
