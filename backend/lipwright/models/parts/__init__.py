"""Pieces the neural models share (positional encodings, attention masks, speaker style), each in
its own module. They import torch: only the neural models import them."""
