"""Great-circle distance between geo points and the speed between consecutive ones."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_KM = 6_371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = radians(lat1), radians(lat2)
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = radians(lon2 - lon1) / 2
    a = sin(half_dphi) ** 2 + cos(phi1) * cos(phi2) * sin(half_dlambda) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a)))


def encode_point(latitude: float, longitude: float) -> str:
    """A set member for a point: ~11 m precision is plenty for travel speed."""
    return f"{latitude:.4f},{longitude:.4f}"


def stored_point(coordinate: float) -> float:
    """A coordinate as ``decode_point(encode_point(...))`` gives it back, at half the cost:
    ``round`` rounds to decimals exactly as the ``.4f`` format does (both correctly rounded),
    and reads the result back as ``float`` would."""
    return round(coordinate, 4)


def decode_point(member: str) -> tuple[float, float]:
    latitude, _, longitude = member.partition(",")
    return float(latitude), float(longitude)
