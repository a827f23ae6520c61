"""A network's settings dataclass from the dict a run's config keeps, refusing unknown names by name
(a typo on `--set` must fail, not train a network with the default)."""

from __future__ import annotations

from dataclasses import fields
from typing import TypeVar

from ..errors import ModelError

Settings = TypeVar("Settings")


def settings_from_dict(cls: type[Settings], values: dict, network: str) -> Settings:
    known = {item.name for item in fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise ModelError(f"unknown {network} settings: {', '.join(sorted(unknown))} "
                         f"(known: {', '.join(sorted(known))})")
    return cls(**values)
