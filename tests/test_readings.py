"""What a study reports: readings merge, and a name claimed twice is refused."""

import pytest

from cooccur.readings import Readings


def test_readings_merge_part_by_part_and_list_every_name():
    a = Readings({"x": 1}, {"s": [1.0, 2.0]})
    b = Readings(texts={"t": "words"}, unrecorded={"seconds": 3.5}, recorded={"map.cell": 0.5})
    merged = a | b
    assert merged.numbers == {"x": 1} and merged.statistics == {"s": [1.0, 2.0]}
    assert merged.texts == {"t": "words"} and merged.unrecorded == {"seconds": 3.5}
    assert merged.recorded == {"map.cell": 0.5}
    assert merged.names() == ["x", "s", "t", "seconds", "map.cell"]


def test_a_name_given_twice_is_an_error_even_across_parts():
    with pytest.raises(ValueError, match="readings named twice: x"):
        Readings({"x": 1}) | Readings(texts={"x": "one"})
