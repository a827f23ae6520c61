"""The `phonemes` model as a predictor, so every trained model's figures have the default model's
beside them, on the same clips, without a transcript (as most dialogue arrives) or with one."""

from __future__ import annotations

import json

from ..audio.clip import AudioClip
from ..datasets.corpus import Corpus
from ..models.base import AnimationRequest
from ..models.phonemes import PhonemeModel
from ..training.examples import SAMPLE_RATE, Example
from .corpus_metrics import Predictor


def phonemes_predictor(corpus: Corpus, with_transcript: bool = False, recognition: str = "fast") -> Predictor:
    """Weights-space predictions of the `phonemes` model; the transcript comes from the corpus's phones/."""
    model = PhonemeModel()

    def predict(example: Example):
        transcript = None
        if with_transcript:
            transcript = json.loads((corpus.root / "phones" / f"{example.name}.json").read_text())["text"]
        request = AnimationRequest(clip=AudioClip(example.audio, SAMPLE_RATE), fps=example.fps, transcript=transcript,
                                   recognition=recognition, offsets=False)
        return model.animate(request).weights

    return predict
