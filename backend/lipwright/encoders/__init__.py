"""Audio encoders the trained models share: a compact log-mel network trained from scratch, and
pretrained wav2vec 2.0 / HuBERT loaded from a local folder. Both import torch: keep imports of this
package out of the default model's path."""
