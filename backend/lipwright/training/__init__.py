"""Training the neural models: examples from the corpora, batches, (later) the loop and checkpoints."""
