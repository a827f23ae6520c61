"""The journal says a line is done only while its inputs and outputs are as they were, and survives a torn write."""

import json
from dataclasses import replace

from lipwright.batch.journal import Journal
from lipwright.batch.line import BatchLine, line_hash
from tests.speech import speak


def test_done_lines_stay_done_until_an_input_or_output_changes(tmp_path):
    audio = speak("Over here.", tmp_path / "a.wav")
    line = BatchLine(row=1, audio=audio, outputs={"json": tmp_path / "a.json"}, transcript="Over here.")
    line = replace(line, content_hash=line_hash(line))
    journal = Journal(tmp_path / "lines.journal.jsonl")
    (tmp_path / "a.json").write_text("{}")
    assert not journal.is_done(line)
    journal.record(line, seconds=0.5)
    assert journal.is_done(line) and Journal(journal.path).is_done(line)  # also for the next run

    for changed in (replace(line, transcript="Over there."), replace(line, model="other"), replace(line, fps=25.0),
                    replace(line, outputs={"json": tmp_path / "b.json"})):
        assert line_hash(changed) != line.content_hash
    speak("Over there.", audio)  # new audio under the same name
    assert line_hash(line) != line.content_hash
    (tmp_path / "a.json").unlink()
    assert not Journal(journal.path).is_done(line)


def test_a_torn_last_entry_is_skipped_and_the_next_starts_a_line(tmp_path):
    audio = speak("Right.", tmp_path / "a.wav")
    lines = [BatchLine(row=row, audio=audio, outputs={"csv": tmp_path / f"{row}.csv"}) for row in (1, 2)]
    lines = [replace(line, content_hash=line_hash(line)) for line in lines]
    for line in lines:
        line.outputs["csv"].write_text("x")
    path = tmp_path / "journal.jsonl"
    Journal(path).record(lines[0], 1.0)
    with open(path, "a") as stream:  # a run killed in the middle of writing its second entry
        stream.write('{"row": 2, "hash": "')
    journal = Journal(path)
    assert journal.is_done(lines[0]) and not journal.is_done(lines[1])
    journal.record(lines[1], 1.0)
    entries = [json.loads(text) for text in path.read_text().splitlines()[-1:]]
    assert entries[0]["row"] == 2 and Journal(path).is_done(lines[1])
