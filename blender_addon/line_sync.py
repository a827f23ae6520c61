"""Keep each baked line with its sound strip: follow a moved or renamed strip without running the
model again, and find the lines whose strip was deleted."""

from dataclasses import dataclass, field

from . import bake, line_overlap, scene_data


@dataclass
class LineInfo:
    line: str            # the line's key: its sound strip's stable id (or name, for older bakes)
    strip_name: str      # the strip's name when last baked or synced
    track_name: str
    strip: object = None  # the sound strip now; None when it was deleted


@dataclass
class SyncReport:
    moved: list = field(default_factory=list)     # strip names whose line moved with them
    renamed: list = field(default_factory=list)   # (old, new) strip names
    missing: list = field(default_factory=list)   # strip names whose strip is gone
    retrimmed: list = field(default_factory=list)  # strips trimmed or offset since their bake

    def summary(self) -> str:
        parts = []
        if self.moved:
            parts.append(f"moved {len(self.moved)} line(s) with their strips")
        if self.renamed:
            parts.append(f"renamed {len(self.renamed)}")
        if self.retrimmed:
            parts.append(f"generate again for the new trims of {', '.join(self.retrimmed)}")
        if self.missing:
            parts.append(f"no strip for {', '.join(self.missing)} (Remove Line deletes its animation)")
        return "; ".join(parts).capitalize() if parts else "Every line is in sync with its strip"


def lines_of(scene, obj) -> list:
    """Each Lipwright line on the object, with its sound strip in `scene` (None when deleted)."""
    found = []
    for line, track in bake.lipwright_tracks(obj).items():
        action = track.strips[0].action
        found.append(LineInfo(line, str(action.get("lipwright_strip", "")), track.name,
                              scene_data.find_strip_by_id(scene, line)))
    return found


def sync_lines(scene, obj) -> SyncReport:
    """Move each line's NLA strip by as much as its sound strip moved since the bake; follow renames."""
    report = SyncReport()
    tracks = bake.lipwright_tracks(obj)
    for info in lines_of(scene, obj):
        track = tracks[info.line]
        nla_strip = track.strips[0]
        action = nla_strip.action
        strip = info.strip
        if strip is None:
            report.missing.append(info.strip_name)
            continue
        if strip.name != info.strip_name:
            scene_data.strip_id(strip)  # the id now goes with the new name
            report.renamed.append((info.strip_name, strip.name))
            action["lipwright_strip"] = strip.name
            action.name = bake.label("Lipwright ", strip.name)
            track.name = bake.unique_track_name(obj.data.shape_keys, bake.label("Lipwright ", strip.name), track)
        if "lipwright_sound_start" not in action:
            continue  # baked by a version that did not record where the sound was
        delta = float(strip.frame_start) - float(action["lipwright_sound_start"])
        visible_from = int(action.get("lipwright_frame_start", 0)) - float(action["lipwright_sound_start"])
        if abs((strip.frame_final_start - strip.frame_start) - visible_from) > 0.5:
            report.retrimmed.append(strip.name)  # moving cannot fix new trims: the audio changed
        if delta == 0:
            continue
        move_nla_strip(nla_strip, delta)
        action["lipwright_sound_start"] = float(strip.frame_start)
        action["lipwright_frame_start"] = int(round(int(action.get("lipwright_frame_start", 0)) + delta))
        report.moved.append(strip.name)
    if report.moved:
        line_overlap.crossfade_lines(obj)  # the influence keys are in scene frames: they follow the lines
    return report


def faces_with_lines(scene) -> list:
    """The scene's mesh objects that carry Lipwright lines (every character of a dialogue scene)."""
    return [obj for obj in scene.objects if obj.type == "MESH" and bake.lipwright_tracks(obj)]


def sync_scene(scene) -> SyncReport:
    """sync_lines for every character of the scene, in one report."""
    total = SyncReport()
    for obj in faces_with_lines(scene):
        report = sync_lines(scene, obj)
        for name in ("moved", "renamed", "missing", "retrimmed"):
            getattr(total, name).extend(getattr(report, name))
    return total


def move_nla_strip(nla_strip, delta: float) -> None:
    """Translate an NLA strip (its action range follows)."""
    if hasattr(nla_strip, "frame_start_ui"):
        nla_strip.frame_start_ui += delta
        return
    if delta > 0:  # move the far end first, so the strip never has negative length
        nla_strip.frame_end += delta
        nla_strip.frame_start += delta
    else:
        nla_strip.frame_start += delta
        nla_strip.frame_end += delta


def remove_line(obj, line) -> bool:
    """Delete one line's animation: its NLA track, action and basis keys."""
    return bake.remove_bake(obj, line)
