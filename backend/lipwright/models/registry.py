"""Which speech models exist, whether each can run here, and one loaded instance of each per device.

Models register a factory under a name; the factory runs at most once per (name, device), on first use,
because loading weights or a template is slow and the job worker reuses the instance for every job.
A factory may be an import path "package.module:ClassName" so that listing models imports nothing heavy.
"""

import importlib
import importlib.util
import inspect
import threading
from dataclasses import dataclass
from typing import Callable

from ..errors import ModelError
from .base import SpeechModel

DEFAULT_MODEL = "phonemes"


@dataclass(frozen=True)
class ModelInfo:
    name: str
    description: str
    weights_needed: bool
    available: bool
    reason: str  # why it is not available ("" when it is)
    motion_space: str = "weights"  # "weights": 52 ARKit weights (and offsets on the default head); "vertices"
    template: str = "default-head"  # the topology its motion is made for
    speakers: tuple[str, ...] = ()  # talking styles a job may ask for ("speaker" option); () for none
    batched: bool = False  # runs several jobs' lines through one call (animate_many)
    # The job option "recognition"'s modes, each with why it cannot run here ("" when it can); () when
    # the model takes no such option.
    recognition: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Entry:
    factory: Callable[[str], SpeechModel] | str
    description: str
    weights_needed: bool
    check: Callable[[], str] | None  # returns "" when the model can run, else why not
    motion_space: str = "weights"
    template: str = "default-head"
    speakers: tuple[str, ...] = ()
    batched: bool = False
    recognition: Callable[[], dict[str, str]] | None = None  # mode -> why it cannot run ("" when it can)


_entries: dict[str, _Entry] = {}
_loaded: dict[tuple[str, str], SpeechModel] = {}
_lock = threading.Lock()
_load_lock = threading.Lock()


def register_model(
    name: str,
    factory: Callable[[str], SpeechModel] | str,
    description: str,
    weights_needed: bool = False,
    check: Callable[[], str] | None = None,
    motion_space: str = "weights",
    template: str = "default-head",
    speakers: tuple[str, ...] = (),
    batched: bool = False,
    recognition: Callable[[], dict[str, str]] | None = None,
) -> None:
    """factory(device) -> model, or "module:Class" whose constructor takes an optional `device`.
    batched: the model has `animate_many(requests, progress)`, so queued jobs for it may share one call.
    recognition() -> {mode: why it cannot run here, "" when it can} for a model that takes the option."""
    with _lock:
        _entries[name] = _Entry(factory, description, weights_needed, check, motion_space, template,
                                tuple(speakers), batched, recognition)
        for key in [key for key in _loaded if key[0] == name]:
            del _loaded[key]


def unregister_model(name: str) -> None:
    """Forget the model and its loaded instances (no error when it is not registered)."""
    with _lock:
        _entries.pop(name, None)
        for key in [key for key in _loaded if key[0] == name]:
            del _loaded[key]


def model_names() -> list[str]:
    return list(_entries)


def _why_unavailable(entry: _Entry) -> str:
    if isinstance(entry.factory, str):
        module_name = entry.factory.partition(":")[0]
        try:
            found = importlib.util.find_spec(module_name) is not None
        except ImportError:
            found = False
        if not found:
            return f"the module {module_name} is not installed"
    if entry.check is not None:
        return entry.check()
    return ""


def _info(name: str, entry: _Entry) -> ModelInfo:
    reason = _why_unavailable(entry)
    modes = tuple(entry.recognition().items()) if entry.recognition is not None else ()
    return ModelInfo(name, entry.description, entry.weights_needed, not reason, reason, entry.motion_space,
                     entry.template, entry.speakers, entry.batched, modes)


def available_models() -> list[ModelInfo]:
    with _lock:
        entries = dict(_entries)
    return [_info(name, entry) for name, entry in entries.items()]


def model_info(name: str) -> ModelInfo:
    """What listing says of one model (nothing is loaded); raises ModelError for an unknown name."""
    with _lock:
        entry = _entries.get(name)
        known = ", ".join(_entries) or "none"
    if entry is None:
        raise ModelError(f"unknown model {name!r}; known models: {known}")
    return _info(name, entry)


def _construct(factory: Callable[[str], SpeechModel] | str, device: str) -> SpeechModel:
    if not isinstance(factory, str):
        return factory(device)
    module_name, _, attribute = factory.partition(":")
    constructor = getattr(importlib.import_module(module_name), attribute)
    if "device" in inspect.signature(constructor).parameters:
        return constructor(device=device)
    return constructor()


def get_model(name: str, device: str = "cpu") -> SpeechModel:
    """The loaded model, built on first use; raises ModelError for unknown or unavailable models."""
    with _lock:
        entry = _entries.get(name)
        if entry is None:
            raise ModelError(f"unknown model {name!r}; known models: {', '.join(_entries) or 'none'}")
        model = _loaded.get((name, device))
    if model is not None:
        return model
    # One load at a time, outside _lock so that listing models stays quick while weights load.
    with _load_lock:
        with _lock:
            model = _loaded.get((name, device))
        if model is not None:
            return model
        reason = _why_unavailable(entry)
        if reason:
            raise ModelError(f"the model {name!r} cannot run here: {reason}")
        model = _construct(entry.factory, device)
        with _lock:
            _loaded[(name, device)] = model
        return model


def _pocketsphinx_missing() -> str:
    if importlib.util.find_spec("pocketsphinx") is None:
        return "pocketsphinx is not installed (pip install pocketsphinx)"
    return ""


def _phoneme_recognition() -> dict[str, str]:
    # Imported here: listing models must not pull in the phone search or the network's run reader early.
    from ..phones.track import RECOGNITION_MODES
    from .network_hearing import hearing_problem

    return {mode: hearing_problem() if mode == "network" else "" for mode in RECOGNITION_MODES}


register_model(
    DEFAULT_MODEL,
    "lipwright.models.phonemes:PhonemeModel",
    "Phones recognised (or aligned to a transcript) by pocketsphinx, turned into ARKit visemes "
    "with coarticulation. No weights needed.",
    weights_needed=False,
    check=_pocketsphinx_missing,
    recognition=_phoneme_recognition,
)
