"""`lipwright data synth OUT --hours H`: make a synthetic training corpus (resumable)."""

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="data_action", required=True)
    synth = actions.add_parser("synth", help="Speak generated lines with the installed synthesisers and record "
                                             "the phonemes model's motion for them, in the VOCASET layout.")
    synth.add_argument("out", type=Path, help="corpus folder (an interrupted run resumes in it)")
    synth.add_argument("--hours", type=float, required=True, help="hours of audio to reach (counting this voice set's clips)")
    synth.add_argument("--clean", action="store_true", help="no noise, gain, reverberation or telephone band")
    synth.add_argument("--workers", type=int, default=1, help="processes making clips side by side")
    synth.add_argument("--seed", type=int, default=0, help="which lines: the same seed makes the same corpus")
    synth.add_argument("--voices", choices=("default", "wide", "foreign", "foreign2", "foreign3"), default="default",
                       help="default: the 25 settings the shipped models learnt from; wide: 78, with more "
                            "espeak-ng variants and recorded voices with their vocal tract moved; foreign: festival's "
                            "Italian, Finnish, Czech and Russian voices (35 settings, timed by festival itself), to add "
                            "to a corpus of English voices in the same folder; foreign2: a Czech boy, a Czech man and a "
                            "Catalan woman, 15 settings more; foreign3: an Indian man in Hindi, Marathi and Telugu, 15 more "
                            "(never kal or slt)")
    synth.add_argument("--brows", action="store_true",
                       help="add seeded eyebrow gestures to the targets (the teacher moves only the mouth): for "
                            "models that sample (gldtalker, landmarks), so samples differ in the upper face")


def run(args: argparse.Namespace) -> int:
    from ..errors import LipwrightError
    from ..synthetic.corpus import make_corpus
    from ..synthetic.voices import VOICE_SETS
    from .progress_bar import terminal_progress

    if args.hours <= 0 or args.workers < 1:
        raise LipwrightError(f"--hours must be above 0 and --workers at least 1 (got {args.hours}, {args.workers})")
    with terminal_progress("synth") as progress:
        summary = make_corpus(args.out, args.hours, VOICE_SETS[args.voices], seed=args.seed, augmented=not args.clean,
                              workers=args.workers, progress=progress, brows=args.brows)
    print(f"{summary['clips']} clips, {summary['seconds'] / 3600:.2f} h of audio in {args.out} "
          f"({summary['made']} made now)")
    for problem in summary["skipped"]:
        print(f"  left out {problem}")
    return 0
