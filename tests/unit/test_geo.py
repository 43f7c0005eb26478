import math

import pytest

from verdictflow.domain.geo import (
    distance_to_edge_m,
    distance_to_polygon_m,
    haversine_m,
    point_in_polygon,
)

SQUARE = [[55.0, 12.0], [55.0, 12.01], [55.01, 12.01], [55.01, 12.0]]
# A "U": the notch between the arms (lat 55.005-55.01, lon 12.003-12.007) is outside.
U_SHAPE = [
    [55.0, 12.0],
    [55.0, 12.01],
    [55.01, 12.01],
    [55.01, 12.007],
    [55.005, 12.007],
    [55.005, 12.003],
    [55.01, 12.003],
    [55.01, 12.0],
]


def test_haversine_zero_and_symmetric():
    a, b = (55.6761, 12.5683), (56.1629, 10.2039)  # København, Aarhus
    assert haversine_m(a, a) == 0
    assert haversine_m(a, b) == pytest.approx(haversine_m(b, a))


def test_haversine_known_distances():
    # one degree of latitude is ~111.2 km on the mean sphere
    assert haversine_m((55.0, 12.0), (56.0, 12.0)) == pytest.approx(111_195, rel=1e-3)
    # a degree of longitude shrinks with cos(latitude)
    assert haversine_m((55.0, 12.0), (55.0, 13.0)) == pytest.approx(
        111_195 * math.cos(math.radians(55.0)), rel=2e-3
    )
    # København - Aarhus is about 156 km as the crow flies
    assert haversine_m((55.6761, 12.5683), (56.1629, 10.2039)) == pytest.approx(156_000, rel=0.02)


def test_point_in_convex_polygon():
    assert point_in_polygon((55.005, 12.005), SQUARE)
    assert not point_in_polygon((55.02, 12.005), SQUARE)
    assert not point_in_polygon((55.005, 11.99), SQUARE)
    assert not point_in_polygon((54.99, 12.02), SQUARE)


def test_point_in_concave_polygon_notch_is_outside():
    assert point_in_polygon((55.002, 12.005), U_SHAPE)  # the base of the U
    assert point_in_polygon((55.008, 12.001), U_SHAPE)  # left arm
    assert point_in_polygon((55.008, 12.009), U_SHAPE)  # right arm
    assert not point_in_polygon((55.008, 12.005), U_SHAPE)  # the notch


def test_closed_ring_is_the_same_polygon():
    closed = SQUARE + [SQUARE[0]]
    assert point_in_polygon((55.005, 12.005), closed)
    assert not point_in_polygon((55.02, 12.005), closed)


def test_degenerate_polygon_is_refused():
    with pytest.raises(ValueError):
        point_in_polygon((55.0, 12.0), [[55.0, 12.0], [55.1, 12.1]])


def test_nan_is_never_inside():
    assert not point_in_polygon((math.nan, 12.005), SQUARE)
    assert not point_in_polygon((55.005, math.inf), SQUARE)


def test_distance_to_edge():
    # 0.001 degree north of the northern edge: ~111 m
    assert distance_to_edge_m((55.011, 12.005), SQUARE) == pytest.approx(111.2, rel=0.01)
    # from the centre, the nearest edge (east/west) is ~320 m away at this latitude
    centre = (55.005, 12.005)
    assert distance_to_edge_m(centre, SQUARE) == pytest.approx(
        0.005 * 111_195 * math.cos(math.radians(55.005)), rel=0.01
    )
    # beyond a corner the distance is to the corner point
    corner_out = (55.011, 12.011)
    assert distance_to_edge_m(corner_out, SQUARE) == pytest.approx(
        haversine_m(corner_out, (55.01, 12.01)), rel=0.01
    )


def test_distance_to_polygon_is_zero_inside():
    assert distance_to_polygon_m((55.005, 12.005), SQUARE) == 0.0
    assert distance_to_polygon_m((55.011, 12.005), SQUARE) == pytest.approx(111.2, rel=0.01)
    assert distance_to_polygon_m((55.008, 12.005), U_SHAPE) > 0  # notch is outside


def test_contract_crime_scene_lies_in_broendby_strand():
    import json
    from pathlib import Path

    import verdictflow

    cfg = json.loads(
        (Path(verdictflow.__file__).parent / "config" / "partnerships.json").read_text()
    )
    area = next(a for p in cfg["partnerships"] for a in p["areas"] if a["id"] == "broendby-strand")
    assert point_in_polygon((55.6197, 12.4186), area["polygon"])
