"""Plane geometry on (lat, lon) for partnership areas: containment and distance in metres.

Areas are a few hundred metres to a few kilometres across, so working on raw lat/lon
(ray casting) and on a local equirectangular projection (edge distance) is far more
precise than the 1 km rule of almenlejeloven § 90, stk. 1, nr. 10 needs. Distances
between two points use the haversine formula. Pure: no I/O, stdlib only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)

Point = tuple[float, float]  # (lat, lon) in degrees
Polygon = Sequence[Sequence[float]]  # [[lat, lon], ...]; closing the ring is optional


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance between two (lat, lon) points, in metres."""
    lat1, lon1 = math.radians(a[0]), math.radians(a[1])
    lat2, lon2 = math.radians(b[0]), math.radians(b[1])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _ring(polygon: Polygon) -> list[Point]:
    pts = [(float(p[0]), float(p[1])) for p in polygon]
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    if len(pts) < 3:
        raise ValueError("a polygon needs at least 3 distinct points")
    return pts


def point_in_polygon(point: Point, polygon: Polygon) -> bool:
    """Ray casting (even-odd rule). A point exactly on an edge may fall either way."""
    lat, lon = point
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    ring = _ring(polygon)
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        yi, xi = ring[i]
        yj, xj = ring[j]
        # Casting the ray along +lon: does edge (j, i) straddle the point's latitude?
        if (yi > lat) != (yj > lat):
            x_cross = xj + (lat - yj) * (xi - xj) / (yi - yj)
            if lon < x_cross:
                inside = not inside
        j = i
    return inside


def _project(origin: Point, p: Point) -> tuple[float, float]:
    """Local equirectangular projection around ``origin`` to (x, y) metres."""
    k = math.radians(1) * EARTH_RADIUS_M
    x = (p[1] - origin[1]) * k * math.cos(math.radians(origin[0]))
    y = (p[0] - origin[0]) * k
    return x, y


def _segment_distance(
    px: float, py: float, a: tuple[float, float], b: tuple[float, float]
) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def distance_to_edge_m(point: Point, polygon: Polygon) -> float:
    """Shortest distance in metres from the point to the polygon's boundary."""
    ring = [_project(point, p) for p in _ring(polygon)]
    return min(_segment_distance(0.0, 0.0, ring[i - 1], ring[i]) for i in range(len(ring)))


def distance_to_polygon_m(point: Point, polygon: Polygon) -> float:
    """0 inside the polygon, else the distance to its boundary in metres."""
    if point_in_polygon(point, polygon):
        return 0.0
    return distance_to_edge_m(point, polygon)
