"""Audio decoding, resampling and loudness: bytes or files in, mono float32 clips out."""
