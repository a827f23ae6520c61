"""The `lipwright` command line: one subcommand per module, imported only when used (torch is slow to import)."""

import argparse
import importlib
import sys

from ..errors import LipwrightError

# subcommand -> module in lipwright.cli that defines add_arguments(parser) and run(args) -> int
SUBCOMMANDS = {
    "animate": ("animate_command", "Animate a line of speech into per-frame vertex offsets (npz)."),
    "serve": ("serve_command", "Run the backend HTTP server on loopback for the Blender add-on."),
    "template": ("template_command", "Export the default head (template export head.obj)."),
    "bake": ("bake_command", "Animate and bake into a .blend without the UI."),
    "batch": ("batch_command", "Animate every line of a manifest (CSV/JSON) into CSV, JSON and glb, resumably."),
    "demo": ("demo_command", "The main job: speak a line, animate the default head, save .blend and a picture."),
    "data": ("data_command", "Make training data (data synth OUT --hours H)."),
    "train": ("train_command", "Train a neural model (jambatalk, faceformer) into a run folder."),
    "eval": ("eval_command", "Measure a model on a corpus split: LVE, FDD, lip-sync (JSON)."),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lipwright", description="Speech-driven 3D facial animation.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(f"{__package__}.{module_name}")
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except LipwrightError as error:
        print(f"lipwright: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lipwright: interrupted", file=sys.stderr)
        return 130
