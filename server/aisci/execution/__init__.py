"""Running experiment code: the runner (timeouts, logs, cancellation) and the sandbox."""
