"""Speech from festival's non-English voices with the phones it spoke and when: the synthesiser's own
segment times, so a clip's targets need no English aligner (there is none for these languages)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ..errors import LipwrightError
from ..phones.phone import Phone
from .festival_phones import phones_from_segments
from .foreign_lines import LANGUAGES
from .voices import Voice, play_file_faster, check_trainable

_PACKAGES = "festvox-italp16k festvox-itapc16k festvox-suopuhe-lj festvox-suopuhe-mv festvox-ru festvox-czech-dita " \
            "festvox-czech-ph festvox-czech-krb festvox-czech-machac festvox-ca-ona-hts festvox-hi-nsk festvox-mr-nsk " \
            "festvox-te-nsk"


def speak_with_phones(text: str, voice: Voice, wav: Path) -> list[Phone]:
    """Write `text` spoken by the festival `voice` to `wav`; returns its phones (ARPAbet) covering the clip."""
    check_trainable(voice)
    language = LANGUAGES.get(voice.language)
    if voice.engine != "festival" or language is None:
        raise LipwrightError(f"{voice.engine} voice {voice.name!r} speaks {voice.language!r}: timed phones come "
                             f"from festival voices of {', '.join(LANGUAGES)}")
    with tempfile.TemporaryDirectory(prefix="lipwright-festival-") as scratch:
        spoken, segments, script = (Path(scratch) / name for name in ("speech.wav", "speech.segs", "say.scm"))
        quoted = text.replace("\\", "\\\\").replace('"', '\\"')
        stretch = f"(Parameter.set 'Duration_Stretch {170.0 / voice.words_per_minute:.3f})\n" \
            if voice.words_per_minute else ""
        # Festival reads the script as bytes: the text goes in the encoding the voice's lexicon expects.
        script.write_bytes(f"(voice_{voice.name})\n{stretch}".encode("ascii") + b'(set! utt (Utterance Text "'
                           + quoted.encode(language.encoding) + b'"))\n(utt.synth utt)\n'
                           + f"(utt.save.wave utt \"{spoken}\" 'riff)\n(utt.save.segs utt \"{segments}\")\n".encode())
        try:
            run = subprocess.run(["festival", "-b", str(script)], capture_output=True, timeout=120)
        except FileNotFoundError as error:
            raise LipwrightError(f"festival is not installed: run `sudo apt-get install festival {_PACKAGES}`") from error
        if not spoken.is_file() or not segments.is_file():
            # Festival reports a missing voice or a bad script on stderr and still exits 0.
            raise LipwrightError(f"festival could not speak with voice {voice.name!r} (install it with `sudo apt-get "
                                 f"install {_PACKAGES}`): {run.stderr.decode(errors='replace').strip()[-200:]}")
        wav.write_bytes(spoken.read_bytes())
        phones = phones_from_segments(segments.read_text(), language.phone_set, 1.0 / voice.speed)
    if voice.speed != 1.0:
        play_file_faster(wav, voice.speed)
    return phones
