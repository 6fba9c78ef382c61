"""Where the work is and where the student is ("jobs near me", S2.1; docs/near-me.md).

- The reference places, shipped as data with their sources (data/reference/):
  `cn-city-areas.csv` (each city the platform knows: centre and extent) and
  `cn-university-campuses.csv` (campuses a student can pick instead of sharing a position).
- The check that a workplace lies in the job's city (`workplace_error`).
- Map apps in China show GCJ-02 ("Mars") or BD-09 (Baidu) coordinates, offset by a few hundred
  metres from the WGS-84 of GPS and browsers; `to_wgs84` converts them so every stored
  position, campus and student position is WGS-84.
- The distance in SQL (`distance_km_expression`), built from Django's database functions so it
  runs on PostgreSQL and on SQLite (`make run`), and the bounding box (`Box`) that lets an index
  on (status, latitude, longitude) find the candidates before the exact distance is computed.

Distances are equirectangular: over the 10 km the list offers, they differ from the
great-circle distance by far less than the rounding of a student's position (about 100 m)."""

import csv
import math
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db.models import Expression, F, FloatField, Value
from django.db.models.functions import Sqrt
from django.utils.translation import gettext as _

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)
KM_PER_DEGREE = math.pi * EARTH_RADIUS_KM / 180  # ≈ 111.2 km along a meridian
# A shared position is rounded to 3 decimals (≈ 110 m): enough for "1.2 km", too coarse to
# point at a dormitory room. It travels as a query parameter and is never stored.
POSITION_DECIMALS = 3

DATA_DIR = settings.BASE_DIR / "data" / "reference"
CITY_AREAS_FILE = DATA_DIR / "cn-city-areas.csv"
CAMPUSES_FILE = DATA_DIR / "cn-university-campuses.csv"


@dataclass(frozen=True)
class CityArea:
    """A city's centre and the extent of its administrative area (rounded outward)."""

    name: str  # as employers write it, without 市: 北京
    name_en: str
    lat: float
    lng: float
    south: float
    north: float
    west: float
    east: float

    def contains(self, lat: float, lng: float) -> bool:
        return self.south <= lat <= self.north and self.west <= lng <= self.east


@dataclass(frozen=True)
class Campus:
    key: str
    name: str
    name_en: str
    city: str
    lat: float
    lng: float


def _city_key(name: str) -> str:
    return (name or "").strip().removesuffix("市").casefold()


@cache
def city_areas() -> dict[str, CityArea]:
    """Every city of data/reference/cn-city-areas.csv, by its Chinese and its English name."""
    areas: dict[str, CityArea] = {}
    with open(CITY_AREAS_FILE, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            area = CityArea(name=row["city"], name_en=row["city_en"], lat=float(row["centre_lat"]),
                            lng=float(row["centre_lng"]), south=float(row["south"]), north=float(row["north"]),
                            west=float(row["west"]), east=float(row["east"]))
            areas[_city_key(area.name)] = areas[_city_key(area.name_en)] = area
    return areas


def city_area(name: str) -> CityArea | None:
    """The area of a city as employers write it: 北京, 北京市 or Beijing."""
    return city_areas().get(_city_key(name))


@cache
def campuses() -> dict[str, Campus]:
    """The campuses of data/reference/cn-university-campuses.csv, by key, in the file's order."""
    with open(CAMPUSES_FILE, encoding="utf-8", newline="") as handle:
        return {row["key"]: Campus(key=row["key"], name=row["campus"], name_en=row["campus_en"], city=row["city"],
                                   lat=float(row["lat"]), lng=float(row["lng"]))
                for row in csv.DictReader(handle)}


def campus_choices(*, english: bool = False) -> list[tuple[str, list[tuple[str, str]]]]:
    """Campuses grouped by city, for a select with optgroups."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for campus in campuses().values():
        area = city_area(campus.city)
        city = (area.name_en if english and area else campus.city)
        groups.setdefault(city, []).append((campus.key, campus.name_en if english else campus.name))
    return list(groups.items())


def round_position(value: float) -> float:
    return round(value, POSITION_DECIMALS)


def distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle (haversine) distance in km: the reference the SQL expression is tested against."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((phi2 - phi1) / 2) ** 2
         + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


# ------------------------------------------------------------------ the workplace check
def workplace_error(*, is_remote: bool, city: str, lat: float | None, lng: float | None) -> str | None:
    """Why a job's workplace position cannot be accepted, or None. A position is optional;
    given, it must lie within the extent of the job's city (data/reference/cn-city-areas.csv)."""
    if lat is None and lng is None:
        return None
    if lat is None or lng is None:
        return _("Give both the latitude and the longitude of the workplace, or neither.")
    if is_remote:
        return _("A remote job has no workplace position: leave the latitude and longitude empty, or untick "
                 "“remote work”.")
    area = city_area(city)
    if area is None:
        return _("Positions can be checked only in the cities we know, and %(city)s is not one of them yet: leave "
                 "the latitude and longitude empty. The job is listed as usual, without a distance.") % {
                     "city": city or _("this city")}
    if area.contains(lat, lng):
        return None
    if area.contains(lng, lat):
        return _("The latitude and longitude look swapped: in %(city)s the latitude is about %(lat).1f and the "
                 "longitude about %(lng).1f.") % {"city": area.name, "lat": area.lat, "lng": area.lng}
    return _("This position (%(lat)s, %(lng)s) is not in %(city)s, %(km)s km from its centre. Use the position "
             "at the workplace, or check the city.") % {
                 "lat": f"{lat:.4f}", "lng": f"{lng:.4f}", "city": area.name,
                 "km": f"{distance_km(area.lat, area.lng, lat, lng):.0f}"}


# ------------------------------------------------------------------ map coordinate systems
class CoordinateSystem:
    WGS84 = "wgs84"  # GPS, the browser's geolocation, OpenStreetMap, Apple Maps outside China
    GCJ02 = "gcj02"  # Amap (高德), Tencent Maps, Apple Maps in China
    BD09 = "bd09"  # Baidu Maps


_GCJ_A = 6378245.0  # the Krasovsky 1940 ellipsoid GCJ-02 is defined on
_GCJ_EE = 0.00669342162296594323


def _gcj_delta(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    pi = math.pi
    common = (20.0 * math.sin(6.0 * x * pi) + 20.0 * math.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x)) + common
            + (20.0 * math.sin(y * pi) + 40.0 * math.sin(y / 3.0 * pi)) * 2.0 / 3.0
            + (160.0 * math.sin(y / 12.0 * pi) + 320.0 * math.sin(y * pi / 30.0)) * 2.0 / 3.0)
    dlng = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x)) + common
            + (20.0 * math.sin(x * pi) + 40.0 * math.sin(x / 3.0 * pi)) * 2.0 / 3.0
            + (150.0 * math.sin(x / 12.0 * pi) + 300.0 * math.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    rad = math.radians(lat)
    magic = 1 - _GCJ_EE * math.sin(rad) ** 2
    dlat = (dlat * 180.0) / ((_GCJ_A * (1 - _GCJ_EE)) / (magic * math.sqrt(magic)) * pi)
    dlng = (dlng * 180.0) / (_GCJ_A / math.sqrt(magic) * math.cos(rad) * pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    dlat, dlng = _gcj_delta(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """The inverse by fixed-point iteration: within a centimetre after a few rounds."""
    wlat, wlng = lat, lng
    for _round in range(5):
        glat, glng = wgs84_to_gcj02(wlat, wlng)
        wlat, wlng = wlat - (glat - lat), wlng - (glng - lng)
    return wlat, wlng


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    x_pi = math.pi * 3000.0 / 180.0
    x, y = lng - 0.0065, lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * x_pi)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * x_pi)
    return z * math.sin(theta), z * math.cos(theta)


def to_wgs84(lat: float, lng: float, system: str) -> tuple[float, float]:
    if system == CoordinateSystem.GCJ02:
        return gcj02_to_wgs84(lat, lng)
    if system == CoordinateSystem.BD09:
        return gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))
    return lat, lng


# ------------------------------------------------------------------ distance in SQL
@dataclass(frozen=True)
class Box:
    """The latitude/longitude rectangle around a point that holds its `km` circle."""

    south: float
    north: float
    west: float
    east: float

    @classmethod
    def around(cls, lat: float, lng: float, km: float) -> "Box":
        dlat = km / KM_PER_DEGREE
        # The circle is widest in longitude at its pole-ward edge.
        widest = min(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1.0)
        dlng = km / (KM_PER_DEGREE * widest)
        return cls(south=lat - dlat, north=lat + dlat, west=lng - dlng, east=lng + dlng)


def cos_latitude(lat: float) -> float:
    """How much shorter a degree of longitude is than a degree of latitude at `lat`."""
    return math.cos(math.radians(lat))


def distance_km_expression(lat: Expression, lng: Expression, cos_lat: Expression) -> Expression:
    """km from (lat, lng) to a job's workplace, NULL for a job without a position:
    KM_PER_DEGREE·√(Δφ² + (Δλ·cos φ₀)²) in degrees, with cos φ₀ (`cos_latitude` of the
    student's latitude) computed once in Python. Only arithmetic and Sqrt per row: the
    trigonometric form cost PostgreSQL twice as much on a city centre's hundreds of jobs
    (job_list_nearby_p95_ms), and the same SQL runs on SQLite (`make run`)."""
    d_lat = F("latitude") - lat
    d_lng = (F("longitude") - lng) * cos_lat
    return Value(KM_PER_DEGREE, output_field=FloatField()) * Sqrt(
        d_lat * d_lat + d_lng * d_lng, output_field=FloatField())
