"""Readers for the corpora models train and are measured on: VOCASET, BIWI, Live Link Face takes."""
