"""--recognition, shared by the commands that animate lines without a transcript."""

import argparse

# phones.track.RECOGNITION_MODES, written out so that building the parser imports nothing heavy
# (a test keeps the two equal).
RECOGNITION_CHOICES = ("fast", "accurate", "network")


def add_recognition_argument(parser: argparse.ArgumentParser, **options) -> None:
    parser.add_argument("--recognition", choices=RECOGNITION_CHOICES, **options,
                        help="without a transcript: fast (phone search, the default), accurate (word search, "
                             "slower) or network (phone search checked by the shipped neural networks: the lip "
                             "closures and p/b/m they hear; loads PyTorch, best on voices the phone search hears poorly)")
