"""`lipwright eval --run RUN --data DIR` (or `--baseline phonemes`): the field's metrics and the
lip-sync measures on a corpus split, as JSON, and with --plots the pictures a person reads."""

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..devices import DEVICE_CHOICES
    from .recognition_option import add_recognition_argument

    parser.add_argument("--data", type=Path, required=True, help="a corpus made by `lipwright data synth`")
    model = parser.add_mutually_exclusive_group(required=True)
    model.add_argument("--run", dest="run_folder", metavar="RUN", type=Path,
                       help="a run folder made by `lipwright train` (or one of its checkpoints)")
    model.add_argument("--baseline", choices=("phonemes",), help="measure a built-in model instead")
    parser.add_argument("--speaker", help="the run's speaking style (a training speaker); the average style otherwise")
    parser.add_argument("--device", choices=DEVICE_CHOICES, default="auto", help="where a run's network runs")
    parser.add_argument("--transcript", action="store_true", help="give the baseline each line's text")
    add_recognition_argument(parser, default="fast")
    parser.add_argument("--split", choices=("train", "val", "test"), default="test")
    parser.add_argument("--samples", type=int, default=5,
                        help="a run that samples (gldtalker): samples per line for the diversity figures")
    parser.add_argument("--seed", type=int, default=0, help="a run that samples: the first sample's seed")
    parser.add_argument("--steps", type=int, help="a run that samples: sampling steps (default: the run's own)")
    parser.add_argument("-o", "--output", type=Path, help="write the report here (JSON); printed otherwise")
    parser.add_argument("--plots", type=Path, metavar="FOLDER",
                        help="write PNGs here: training curves (runs) and lip opening against the truth on a line")


def run(args: argparse.Namespace) -> int:
    from ..datasets.corpus import Corpus
    from ..errors import LipwrightError
    from ..evaluation.corpus_metrics import evaluate_on_corpus
    from ..files.atomic import write_text_atomically

    corpus = Corpus(args.data)
    if not corpus.split(args.split):
        raise LipwrightError(f"{args.data} has no clips in its {args.split} split: choose another with --split")
    if args.run_folder is not None:
        if args.transcript:
            raise LipwrightError("--transcript is for --baseline phonemes: a trained run hears the audio only")
        space, predict, report_head, model = _trained_run(args, corpus)
    else:
        if args.speaker:
            raise LipwrightError("--speaker is for a trained run (--run): the phonemes model has one style")
        space, predict, report_head, model = _baseline(args, corpus)
    outputs: dict = {}  # name -> (truth, prediction), kept for the lip-opening plot
    if args.plots and space == "weights":
        predict = _kept_in(outputs, predict)
    report = {**report_head, **evaluate_on_corpus(corpus, args.split, space, predict)}
    if model is not None and model.stochastic and args.samples >= 2:
        from ..evaluation.diversity import evaluate_diversity
        from ..evaluation.trained_runs import trained_run_sampler

        sampler = trained_run_sampler(model, args.samples, args.seed, args.steps, args.speaker)
        report["diversity"] = evaluate_diversity(corpus, args.split, space, sampler)
    if args.plots:
        report["plots"] = [str(path) for path in _draw_plots(args, corpus, space, outputs, model)]
    text = json.dumps(report, indent=1)
    if args.output:
        write_text_atomically(args.output, text)
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


def _trained_run(args: argparse.Namespace, corpus):
    from ..devices import resolve_device
    from ..evaluation.trained_runs import (check_run_fits_corpus, checkpoint_folder, run_name,
                                              trained_run_predictor)
    from ..models.trained_run import TrainedRunModel

    folder = checkpoint_folder(args.run_folder)
    model = TrainedRunModel(folder, resolve_device(args.device), name=run_name(args.run_folder))
    space = model.config.motion_space
    check_run_fits_corpus(model, corpus, args.split)
    head = {"model": model.name, "network": model.config.model, "checkpoint": str(folder),
            "speaker": args.speaker, "device": model.device}
    return space, trained_run_predictor(model, args.speaker, args.seed, args.steps), head, model


def _baseline(args: argparse.Namespace, corpus):
    from ..evaluation.baselines import phonemes_predictor

    predict = phonemes_predictor(corpus, with_transcript=args.transcript, recognition=args.recognition)
    name = f"phonemes ({'transcript' if args.transcript else 'no transcript, ' + args.recognition})"
    return "weights", predict, {"model": name}, None


def _kept_in(outputs: dict, predict):
    """`predict`, keeping each example's (truth, prediction) for the pictures (weights: a few kB a second)."""
    def keeping(example):
        output = predict(example)
        outputs[example.name] = (example.motion, output)
        return output

    return keeping


def _draw_plots(args: argparse.Namespace, corpus, space: str, outputs: dict, model) -> list[Path]:
    from ..evaluation.plots import draw_lip_opening, draw_training_curves
    from ..evaluation.trained_runs import run_history

    written = []
    name = model.name if model is not None else "phonemes"
    if args.run_folder is not None:
        history = run_history(args.run_folder)
        if history:
            written.append(draw_training_curves(history, args.plots / "training_curves.png",
                                                f"{name}: loss per epoch"))
        else:
            print(f"(no history.json beside {args.run_folder}: no training curves)")
    if space != "weights":
        print("(the lip-opening plot needs ARKit weights: this run moves vertices)")
        return written
    line = _plotted_line(corpus, outputs)
    truth, predicted = outputs[line]
    frames = min(len(truth), len(predicted))
    phones = corpus.phone_timings(line) or []
    written.append(draw_lip_opening(predicted[:frames], truth[:frames], phones, corpus.fps,
                                    args.plots / "lip_opening.png",
                                    f"{name} on {line} ({args.split} split): mouth opening, predicted and true"))
    return written


def _plotted_line(corpus, outputs: dict) -> str:
    """The first evaluated line whose phone timings the corpus knows (the marks need them)."""
    for name in outputs:
        if corpus.phone_timings(name) is not None:
            return name
    return next(iter(outputs))
