"""Measuring a model on a corpus's test split with the field's metrics and the lip-sync measures."""
