"""Every kept epoch of a run on a lent GPU machine, brought back under its download cap (files of at most 16 MiB):
evenly spaced epochs as float16, a frozen stage's weights (GLDiTalker's `prior.`) left out, then rebuilt here
into checkpoint folders that benchmarks/score_epochs.py scores.

Run: python scripts/lent_gpu/carry_epochs.py harvest RUN PREFIX [--per-file 7] [--cap 14] [--leave-out prior.]
     python scripts/lent_gpu/carry_epochs.py rebuild PREFIX BASE OUT   (BASE: the checkpoint the run started from)"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from lipwright.training.checkpoint import CONFIG_FILE, RunConfig, load_checkpoint, save_checkpoint


def evenly_spaced(count: int, cap: int) -> list[int]:
    """At most `cap` of `count` indices, the first and the last among them, spread evenly between."""
    if count <= cap:
        return list(range(count))
    return sorted(set(np.linspace(0, count - 1, cap).round().astype(int).tolist()))


def harvest(run: Path, prefix: str, per_file: int = 7, cap: int = 14, leave_out: str = "prior.") -> list[str]:
    kept = sorted(folder for folder in (run / "epochs").glob("*") if (folder / CONFIG_FILE).is_file())
    if not kept:
        return []
    picks = [kept[i] for i in evenly_spaced(len(kept), cap)]
    Path(prefix).parent.mkdir(parents=True, exist_ok=True)
    history = run / "history.json"
    meta = {"history": json.loads(history.read_text()) if history.is_file() else [], "configs": {}}
    for part in range(0, len(picks), per_file):
        tensors = {}
        for folder in picks[part:part + per_file]:
            _, state = load_checkpoint(folder)
            meta["configs"][folder.name] = json.loads((folder / CONFIG_FILE).read_text())
            tensors.update({f"{folder.name}/{name}": value.to(torch.float16) if value.is_floating_point() else value
                            for name, value in state.items() if not (leave_out and name.startswith(leave_out))})
        torch.save(tensors, f"{prefix}-{part // per_file}.pt")
    Path(f"{prefix}-meta.json").write_text(json.dumps(meta))
    return [folder.name for folder in picks]


def rebuild(prefix: str, base: Path, out: Path) -> list[str]:
    """OUT/epochs/NNN for each harvested epoch: BASE's weights where the harvest left them out."""
    _, base_state = load_checkpoint(base)
    meta = json.loads(Path(f"{prefix}-meta.json").read_text())
    out.mkdir(parents=True, exist_ok=True)
    (out / "history.json").write_text(json.dumps(meta["history"], indent=1))
    rebuilt = []
    for part in sorted(Path(prefix).parent.glob(f"{Path(prefix).name}-[0-9]*.pt")):
        tensors = torch.load(part, weights_only=True)
        for epoch in sorted({name.split("/", 1)[0] for name in tensors}):
            state = {**base_state, **{name.split("/", 1)[1]: value for name, value in tensors.items()
                                      if name.startswith(epoch + "/")}}
            state = {name: value.float() if value.is_floating_point() else value for name, value in state.items()}
            save_checkpoint(out / "epochs" / epoch, state, RunConfig(**meta["configs"][epoch]))
            rebuilt.append(epoch)
    return rebuilt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    actions = parser.add_subparsers(dest="action", required=True)
    take = actions.add_parser("harvest")
    take.add_argument("run", type=Path)
    take.add_argument("prefix")
    take.add_argument("--per-file", type=int, default=7)
    take.add_argument("--cap", type=int, default=14)
    take.add_argument("--leave-out", default="prior.", help="weights whose names start so stay behind ('' for none)")
    back = actions.add_parser("rebuild")
    back.add_argument("prefix")
    back.add_argument("base", type=Path)
    back.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.action == "harvest":
        print(args.prefix, harvest(args.run, args.prefix, args.per_file, args.cap, args.leave_out))
    else:
        print(args.out, rebuild(args.prefix, args.base, args.out))


if __name__ == "__main__":
    main()
