"""The instants inside a span: edges count whatever the rounding of start * rate."""

from lipwright.runs import instants_within


def test_instants_on_the_edges_are_inside_whatever_the_rounding():
    # 0.07 * 100 is 7.000000000000001 and 0.29 * 100 is 28.999999999999996.
    assert instants_within(0.07, 0.29, 100.0, 1000) == slice(7, 30)
    assert instants_within(0.1, 0.2, 30.0, 100) == slice(3, 7)  # 0.1 * 30 = 3.0000000000000004
    assert instants_within(0.105, 0.195, 100.0, 1000) == slice(11, 20)


def test_a_span_between_instants_reads_the_nearest_and_the_end_is_clamped():
    assert instants_within(0.121, 0.128, 100.0, 1000) == slice(12, 13)
    assert instants_within(0.126, 0.129, 100.0, 1000) == slice(13, 14)
    assert instants_within(0.2951, 0.2952, 100.0, 30) == slice(29, 30)  # step 30 is past the end
    assert instants_within(0.5, 0.9, 100.0, 60) == slice(50, 60)
