"""key_mapping: default rows from a face's key names, and the mapped curves."""

import numpy as np

from tests.blender_addon.conftest import pure_module

mapping = pure_module("key_mapping")
ARKIT = pure_module("arkit_names").ARKIT_NAMES


def weights_of(**units):
    frame = np.zeros((1, len(ARKIT)))
    for name, value in units.items():
        frame[0, ARKIT.index(name)] = value
    return frame


def test_viseme_names_of_several_rigs_are_recognised():
    assert [mapping.viseme_of(n) for n in ("AI", "O", "E", "U", "MBP", "FV", "L", "WQ", "rest")] == [
        "ai", "o", "e", "u", "mbp", "fv", "l", "wq", None]
    assert [mapping.viseme_of(n) for n in ("viseme_aa", "viseme_PP", "vrc.v_ff", "V_OU", "Mouth_MBP")] == [
        "ai", "mbp", "fv", "o", "mbp"]
    assert mapping.viseme_of("eyeBlinkLeft") is None and mapping.viseme_of("Smile") is None


def test_a_viseme_face_opens_on_vowels_and_closes_on_p_b_m():
    rows = mapping.default_mapping(["AI", "O", "E", "U", "MBP", "FV", "L", "WQ", "rest"])
    assert mapping.drives_mouth(rows) and {row.target for row in rows} == {"AI", "O", "E", "U", "MBP", "FV", "L", "WQ"}
    # The model's own viseme table: 'AA' and a sealed 'M'.
    open_vowel = mapping.mapped_curves(weights_of(jawOpen=0.6, mouthLowerDownLeft=0.25), ARKIT, rows)
    sealed = mapping.mapped_curves(weights_of(jawOpen=0.04, mouthClose=0.04, mouthPressLeft=0.35,
                                              mouthPressRight=0.35), ARKIT, rows)
    assert open_vowel["AI"][0] > 0.9 and open_vowel["MBP"][0] <= 0.0
    assert sealed["MBP"][0] > 0.9 and sealed["AI"][0] == 0.0


def test_some_arkit_keys_map_to_themselves_with_stand_ins_for_missing_lip_shapes():
    rows = mapping.default_mapping(["jawOpen", "mouthClose", "mouthFunnel", "MyWink"])
    targets = {(row.source, row.target) for row in rows}
    assert {("jawOpen", "jawOpen"), ("mouthClose", "mouthClose"), ("mouthFunnel", "mouthFunnel"),
            ("mouthPucker", "mouthFunnel")} <= targets
    assert all(row.target != "MyWink" for row in rows)


def test_a_full_arkit_face_maps_one_to_one():
    rows = mapping.default_mapping(list(ARKIT))
    assert [(row.source, row.target, row.weight) for row in rows] == [(name, name, 1.0) for name in ARKIT]


def test_rows_sum_into_their_target_and_unknown_units_are_skipped():
    rows = [mapping.MappingRow("jawOpen", "Open", 0.5), mapping.MappingRow("mouthFunnel", "Open", 1.0),
            mapping.MappingRow("notAUnit", "Open", 9.0)]
    curves = mapping.mapped_curves(weights_of(jawOpen=0.4, mouthFunnel=0.2), ARKIT, rows)
    np.testing.assert_allclose(curves["Open"], [0.4])
