"""`lipwright train --model M --data DIR --out RUN`: train a network into a run folder (resumable)."""

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ..models.networks import NETWORKS

    parser.add_argument("--model", required=True, choices=tuple(NETWORKS),
                        help="the network to train (gldtalker trains its motion prior, then its diffusion)")
    parser.add_argument("--data", type=Path, required=True,
                        help="a corpus in the VOCASET layout (lipwright data synth, VOCASET, BIWI) or a folder of "
                             "Live Link Face takes")
    parser.add_argument("--out", type=Path, required=True, help="run folder; an interrupted run resumes in it")
    parser.add_argument("--space", choices=("weights", "vertices"), default="weights",
                        help="predict 52 ARKit weights or template-vertex offsets")
    parser.add_argument("--encoder", default="log-mel",
                        help="'log-mel' (trained from scratch) or the folder of a wav2vec 2.0 / HuBERT model")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="a network setting, e.g. --set hidden=256 --set autoregressive=true (JSON values)")
    parser.add_argument("--encoder-set", action="append", default=[], metavar="KEY=VALUE",
                        help="a log-mel encoder setting, e.g. --encoder-set dim=192; for voices the corpus lacks, "
                             "warp=0.2 (vocal tract stretch per clip) and band_masks=2 (mel bands hidden)")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--patience", type=int, default=10, help="epochs without a better validation loss")
    parser.add_argument("--piece-seconds", type=float, default=6.0, help="longer clips train in pieces this long")
    parser.add_argument("--init-from", type=Path, metavar="CHECKPOINT",
                        help="start from this checkpoint folder's weights (fine-tuning; new layers start fresh)")
    parser.add_argument("--from-stage", default="", metavar="STAGE",
                        help="gldtalker: train from this stage on ('diffusion'), keeping the earlier ones (its motion "
                             "prior) as --init-from has them")
    parser.add_argument("--keep-epochs", action="store_true",
                        help="keep every epoch's checkpoint in OUT/epochs/NNN, to choose one on voices the "
                             "validation split lacks")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")


def settings_from(pairs: list[str]) -> dict:
    from ..errors import LipwrightError

    settings = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        if not equals or not key:
            raise LipwrightError(f"--set {pair!r}: write KEY=VALUE, e.g. --set hidden=256")
        try:
            settings[key] = json.loads(value)
        except json.JSONDecodeError:
            settings[key] = value
    return settings


def run(args: argparse.Namespace) -> int:
    from ..encoders.build import log_mel_spec
    from ..errors import LipwrightError
    from ..training.loop import TrainSettings
    from ..training.recipe import Recipe, run_recipe
    from .progress_bar import terminal_progress

    if args.encoder == "log-mel":
        try:
            encoder = log_mel_spec(**settings_from(args.encoder_set))
        except TypeError as error:
            raise LipwrightError(f"--encoder-set: {error}") from error
    else:
        folder = Path(args.encoder).resolve()
        kind = json.loads((folder / "config.json").read_text()).get("model_type") \
            if (folder / "config.json").is_file() else "wav2vec2"
        encoder = {"kind": kind, "path": str(folder)}
    recipe = Recipe(args.model, args.data, args.out, args.space, encoder, settings_from(args.set), args.piece_seconds,
                    init_from=args.init_from, from_stage=args.from_stage)
    loop = TrainSettings(epochs=args.epochs, batch_size=args.batch_size, learning_rate=args.learning_rate,
                         patience=args.patience, seed=args.seed, device=args.device, keep_epochs=args.keep_epochs)
    with terminal_progress("train") as progress:
        result = run_recipe(recipe, loop, progress)
    history = result["history"]
    print(f"{len(history)} epochs, best validation loss {result['best_val']:.4g}; "
          f"{result['examples']['train_seconds'] / 3600:.2f} h of training audio; run in {args.out}")
    return 0
