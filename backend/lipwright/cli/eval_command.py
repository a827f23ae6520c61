"""`lipwright eval --data DIR --baseline phonemes`: the field's metrics and the lip-sync measures on
a corpus split, as JSON (trained runs join when they exist)."""

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, required=True, help="a corpus made by `lipwright data synth`")
    parser.add_argument("--baseline", choices=("phonemes",), required=True, help="the model to measure")
    parser.add_argument("--transcript", action="store_true", help="give the baseline each line's text")
    parser.add_argument("--recognition", choices=("fast", "accurate"), default="fast")
    parser.add_argument("--split", choices=("train", "val", "test"), default="test")
    parser.add_argument("-o", "--output", type=Path, help="write the report here (JSON); printed otherwise")


def run(args: argparse.Namespace) -> int:
    from ..datasets.corpus import Corpus
    from ..evaluation.baselines import phonemes_predictor
    from ..evaluation.corpus_metrics import evaluate_on_corpus
    from ..files.atomic import write_text_atomically

    corpus = Corpus(args.data)
    predict = phonemes_predictor(corpus, with_transcript=args.transcript, recognition=args.recognition)
    report = evaluate_on_corpus(corpus, args.split, "weights", predict)
    report["model"] = f"phonemes ({'transcript' if args.transcript else 'no transcript, ' + args.recognition})"
    text = json.dumps(report, indent=1)
    if args.output:
        write_text_atomically(args.output, text)
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0
