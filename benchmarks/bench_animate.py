"""Real-time factor of `animate` (seconds of audio animated per second of compute) on spoken lines.

Run: .venv/bin/python benchmarks/bench_animate.py [--model phonemes] [--repeats 3]
"""

import argparse
import tempfile
import time
from pathlib import Path

from lipwright.animate import animate_file
from lipwright.demo.speech import synthesize

LINES = {
    "short": "Put the map back.",
    "medium": "Bob made a map of the moon, and Pam brought some fresh waffles with vanilla.",
    "long": " ".join([
        "The quick brown fox jumps over the lazy dog, while my brother plays the piano.",
        "Maybe we should move the boxes before the weather becomes much worse.",
        "People who build bridges must plan for every possible problem.",
    ]),
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="phonemes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default=None)
    args = parser.parse_args()
    import soundfile

    with tempfile.TemporaryDirectory() as scratch:
        animate_file(synthesize(LINES["short"], Path(scratch) / "warm.wav"), model=args.model, device=args.device)  # load once
        print(f"model={args.model}")
        print(f"{'line':8s} {'mode':11s} {'audio s':>8s} {'compute s':>10s} {'RTF':>8s}")
        for name, text in LINES.items():
            wav = synthesize(text, Path(scratch) / f"{name}.wav")
            seconds = soundfile.info(str(wav)).duration
            for mode, transcript in (("recognised", None), ("aligned", text)):
                best = float("inf")
                for _ in range(args.repeats):
                    started = time.perf_counter()
                    animate_file(wav, model=args.model, transcript=transcript, device=args.device)
                    best = min(best, time.perf_counter() - started)
                print(f"{name:8s} {mode:11s} {seconds:8.2f} {best:10.3f} {seconds / best:7.1f}x")


if __name__ == "__main__":
    main()
