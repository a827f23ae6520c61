"""Speech to phones: pocketsphinx recognition, or alignment to a transcript."""
