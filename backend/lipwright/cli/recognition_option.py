"""--recognition, shared by the commands that animate lines without a transcript."""

import argparse

# phones.track.RECOGNITION_MODES, written out so that building the parser imports nothing heavy
# (a test keeps the two equal).
RECOGNITION_CHOICES = ("fast", "accurate", "network")


def add_recognition_argument(parser: argparse.ArgumentParser, **options) -> None:
    parser.add_argument("--recognition", choices=RECOGNITION_CHOICES, **options,
                        help="without a transcript: fast (phone search, the default), accurate (word search, "
                             "slower), both with their p/b/m checked by the shipped networks' phone heads, or "
                             "network (fast plus the lip closures and jaw opening a shipped network hears; loads "
                             "PyTorch, best on voices the phone search hears poorly)")
