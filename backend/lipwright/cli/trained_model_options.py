"""The options that pick trained runs, shared by the commands that run models."""

import argparse
from pathlib import Path


def add_models_dir_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--models-dir", type=Path, default=None,
                        help="folder of trained runs (made by lipwright train) to offer as models, besides the "
                             "shipped ones (default: $LIPWRIGHT_MODELS_DIR, else ~/.local/share/lipwright/models)")


def add_trained_model_arguments(parser: argparse.ArgumentParser) -> None:
    """--model, --speaker and --models-dir."""
    parser.add_argument("--model", default="phonemes",
                        help="phonemes, or a trained run's folder name (see --models-dir)")
    parser.add_argument("--speaker", help="a trained model's speaker whose style to use (default: the average style)")
    add_models_dir_argument(parser)


def register_trained_runs(args: argparse.Namespace) -> None:
    """The shipped runs and those in --models-dir (or the default models folder) become known models."""
    from ..models.run_folders import chosen_models_dir, register_runs

    register_runs([chosen_models_dir(args.models_dir)])
