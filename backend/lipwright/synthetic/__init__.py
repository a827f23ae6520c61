"""A training corpus anyone can make offline: generated lines spoken by the installed synthesisers,
with the `phonemes` model, aligned to the known text, as the teacher."""
