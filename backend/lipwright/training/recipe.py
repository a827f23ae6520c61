"""What `lipwright train` does: read the data (a corpus in the field's layout, or a folder of Live
Link Face takes), cut long clips into pieces the decoders train on quickly, describe the run
(model, motion space, template, speakers, encoder), build the network and run the shared loop."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ..datasets.corpus import Corpus
from ..errors import LipwrightError
from ..models.base import Progress, no_progress
from .checkpoint import CONFIG_FILE, RunConfig, load_checkpoint
from .examples import SAMPLE_RATE, Example, corpus_examples, take_examples
from .loop import TrainSettings, train


@dataclass(frozen=True)
class Recipe:
    model: str  # a name in lipwright.models.networks.NETWORKS
    data: Path
    out: Path
    space: str = "weights"
    encoder: dict = field(default_factory=lambda: {"kind": "log-mel"})
    settings: dict = field(default_factory=dict)  # the network's own settings
    piece_seconds: float = 6.0  # longer clips are cut into pieces this long (the last piece may be shorter)
    template: str = ""  # "" : what the data says (default-head for a synthetic corpus)
    init_from: Path | None = None  # a checkpoint folder whose matching weights start the network
    # A staged network (GLDiTalker) trains from this stage on; the earlier ones stay as init_from has them
    # (fine-tuning the diffusion on new voices keeps the shipped motion prior). "": every stage.
    from_stage: str = ""


def run_recipe(recipe: Recipe, loop: TrainSettings = TrainSettings(), progress: Progress = no_progress) -> dict:
    from ..encoders.build import build_encoder
    from ..models.networks import build_network, network_class

    _check_stage(recipe, tuple(getattr(network_class(recipe.model), "training_stages", ())))
    train_examples, val_examples, template = _examples(recipe)
    train_examples = [piece for example in train_examples for piece in cut(example, recipe.piece_seconds)]
    val_examples = [piece for example in val_examples for piece in cut(example, recipe.piece_seconds)]
    build_encoder(recipe.encoder)  # a wrong encoder fails here, before any data is touched again
    from_data = getattr(network_class(recipe.model), "settings_from_data", None)
    settings = from_data(recipe.settings, recipe.data, recipe.space) if from_data else recipe.settings
    config = RunConfig(model=recipe.model, motion_space=recipe.space, fps=train_examples[0].fps,
                       template=recipe.template or template, speakers=sorted({e.subject for e in train_examples}),
                       encoder=recipe.encoder, settings=settings, motion_dim=train_examples[0].motion.shape[1])
    network = build_network(config)
    # Every setting written out, defaults included, so the run means the same under later defaults.
    network.config = config = replace(config, settings=network.settings_dict())
    _check_resumable(Path(recipe.out), config)
    if recipe.init_from is not None and not (Path(recipe.out) / "history.json").is_file():
        _start_from(network, Path(recipe.init_from))
    stages = getattr(network, "training_stages", ())
    if stages:
        result = _train_in_stages(network, config, train_examples, val_examples, Path(recipe.out), loop, progress,
                                  stages.index(recipe.from_stage) if recipe.from_stage else 0)
    else:
        result = train(network, config, train_examples, val_examples, recipe.out, loop, progress)
    result["examples"] = {"train": len(train_examples), "val": len(val_examples),
                          "train_seconds": sum(len(e.audio) for e in train_examples) / SAMPLE_RATE}
    return result


def _train_in_stages(network, config: RunConfig, train_examples: list[Example], val_examples: list[Example],
                     out: Path, loop: TrainSettings, progress: Progress, first: int = 0) -> dict:
    """A network trained in stages (GLDiTalker: its motion prior, then its diffusion) goes through the
    shared loop once per stage: every stage but the last in its own folder inside the run (out/prior/),
    the last in the run folder itself, each starting from the best checkpoint of the one before and
    each resumable on its own; the run's best/ and last/ hold the whole network. Stages before `first`
    are not trained: the network keeps them as it was started."""
    stages = list(network.training_stages)
    results = {}
    for index, stage in enumerate(stages):
        if index < first:
            continue
        folder = out if index == len(stages) - 1 else out / stage
        _check_resumable(folder, config)
        if index > first and not (folder / "history.json").is_file():
            _, state = load_checkpoint(out / stages[index - 1] / "best")
            network.load_state_dict(state)
        network.begin_stage(stage)

        def stage_progress(fraction: float, message: str, index: int = index, stage: str = stage) -> None:
            progress((index + fraction) / len(stages), f"{stage}: {message}")

        results[stage] = train(network, config, train_examples, val_examples, folder,
                               replace(loop, epochs=network.stage_epochs(stage, loop.epochs)), stage_progress)
    return {**results[stages[-1]], "stages": results}


def _check_resumable(out: Path, config: RunConfig) -> None:
    """A run folder resumes only the run it holds: other settings would not fit its weights."""
    if not (out / "last" / CONFIG_FILE).is_file():
        return
    saved, _ = load_checkpoint(out / "last")
    differing = [name for name in ("model", "motion_space", "motion_dim", "speakers", "encoder", "settings")
                 if _comparable(saved, name) != _comparable(config, name)]
    if differing:
        raise LipwrightError(f"{out} holds a run with other {', '.join(differing)} than these: resume it with the "
                             "options it was started with, or train into a new --out folder")


def _comparable(config: RunConfig, name: str):
    """The config's `name`, an encoder with the settings it lacks at their defaults: a run saved before a setting
    existed was made with its default."""
    from ..encoders.build import described_whole

    value = getattr(config, name)
    return described_whole(value) if name == "encoder" else value


def _check_stage(recipe: Recipe, stages: tuple[str, ...]) -> None:
    if not recipe.from_stage:
        return
    if recipe.from_stage not in stages:
        named = f"its stages are {', '.join(stages)}" if stages else "it trains in one stage"
        raise LipwrightError(f"{recipe.model} has no training stage {recipe.from_stage!r}: {named}")
    if recipe.init_from is None and stages.index(recipe.from_stage) > 0:
        raise LipwrightError(f"--from-stage {recipe.from_stage} keeps the earlier stages as they start: give "
                             "--init-from a trained checkpoint, or they would stay untrained")


def _examples(recipe: Recipe) -> tuple[list[Example], list[Example], str]:
    data = Path(recipe.data)
    if not data.is_dir():
        raise LipwrightError(f"no data folder at {data}: point --data at a corpus (wav/, vertices_npy/, "
                             "templates.pkl) or a folder of Live Link Face takes (*.csv beside their audio)")
    if not (data / "wav").is_dir() and any(data.glob("*.csv")):
        if recipe.space != "weights":
            raise LipwrightError("Live Link Face takes hold ARKit weights: train them with --space weights")
        takes = take_examples(data)
        # Every tenth take validates; a single take validates on itself.
        val = takes[::10] if len(takes) > 1 else takes
        return [take for take in takes if take not in val] or takes, val, "arkit"
    corpus = Corpus(data)
    template = "default-head" if (data / "weights_npy").is_dir() else corpus.layout.name
    train_examples = corpus_examples(corpus, "train", recipe.space)
    if not train_examples:
        raise LipwrightError(f"{data} has no clips in its training split")
    return train_examples, corpus_examples(corpus, "val", recipe.space), template


def _start_from(network, folder: Path) -> None:
    """Fine-tuning: copy every weight of `folder`'s checkpoint whose name and shape fit; layers the
    network has and the checkpoint lacks (a new head) keep their fresh values."""
    from .checkpoint import load_checkpoint

    config, state = load_checkpoint(folder)
    if hasattr(network, "renamed_weights"):  # a checkpoint from before the network renamed its weights
        state = network.renamed_weights(state)
    state = {**state, **_styles_by_speaker(network, state, list(config.speakers))}
    own = network.state_dict()
    fitting = {name: tensor for name, tensor in state.items() if name in own and own[name].shape == tensor.shape}
    if not fitting:
        raise LipwrightError(f"no weight of {folder} fits a {network.config.model} network with these settings")
    network.load_state_dict(fitting, strict=False)


def _styles_by_speaker(network, state: dict, speakers: list[str]) -> dict:
    """Style tables re-rowed for the new corpus's speakers: a speaker the checkpoint knew keeps its style,
    a new one starts at the checkpoint's average, which is the style unseen voices get. Without this a
    corpus that adds voices would start every style afresh."""
    from ..models.parts.speaker_style import SpeakerStyle, rows_by_speaker

    wanted = list(network.config.speakers)
    tables = {}
    for name, module in network.named_modules():
        key = f"{name}.table.weight"
        if not isinstance(module, SpeakerStyle) or key not in state or state[key].shape[0] != len(speakers):
            continue
        tables[key] = rows_by_speaker(state[key], speakers, wanted)
    return tables


def cut(example: Example, seconds: float) -> list[Example]:
    """`example` in consecutive pieces of at most `seconds` (whole frames, audio cut at the same times)."""
    frames = max(1, int(seconds * example.fps))
    if len(example.motion) <= frames:
        return [example]
    pieces = []
    for start in range(0, len(example.motion), frames):
        stop = min(start + frames, len(example.motion))
        if stop - start < frames // 4 and pieces:
            break  # a sliver at the end adds padding, not learning
        a, b = (round(t / example.fps * SAMPLE_RATE) for t in (start, stop))
        pieces.append(Example(f"{example.name}@{start}", example.subject, example.audio[a:b],
                              example.motion[start:stop], example.fps,
                              None if example.phones is None else example.phones[start:stop]))
    return pieces
