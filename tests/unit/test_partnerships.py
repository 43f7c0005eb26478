import copy
import json
import re
from pathlib import Path

import pytest

import verdictflow
from verdictflow.domain.geo import point_in_polygon
from verdictflow.domain.partnerships import Partnerships, load_partnerships, street_name
from verdictflow.domain.verdict import Address, Household, Person

CONFIG = Path(verdictflow.__file__).parent / "config" / "partnerships.json"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ps(raw) -> Partnerships:
    return load_partnerships(CONFIG.read_text(encoding="utf-8"))


def test_loads_from_text_bytes_and_dict(raw):
    a = load_partnerships(CONFIG.read_text(encoding="utf-8"))
    b = load_partnerships(CONFIG.read_bytes())
    c = load_partnerships(raw)
    assert a == b == c


def test_twelve_police_districts(ps):
    names = {d.name for d in ps.police_districts}
    assert len(ps.police_districts) == 12
    assert {
        "Københavns Vestegns Politi",
        "Sydsjællands og Lolland-Falsters Politi",
        "Nordsjællands Politi",
        "Bornholms Politi",
        "Fyns Politi",
    } <= names


def test_all_ids_are_ascii_slugs(ps):
    ids = [d.id for d in ps.police_districts] + [m.id for m in ps.municipalities]
    ids += [p.id for p in ps.partnerships] + [a.id for a in ps.areas()]
    ids += [o.id for o in ps.housing_organisations] + [d.id for d in ps.departments()]
    assert all(SLUG.match(i) for i in ids), [i for i in ids if not SLUG.match(i)]


def test_the_four_partnerships(ps):
    assert {p.id for p in ps.partnerships} == {
        "broendby-strand",
        "slagelse",
        "vaerebro-park",
        "herlev-gladsaxe-ballerup",
    }
    assert ps.partnership("broendby-strand").police_district == "kbh-vestegn"
    assert ps.partnership("slagelse").police_district == "sydsjaelland-lolland-falster"
    # Gladsaxe (Værebro Park) belongs to Københavns Vestegns Politi
    assert ps.partnership("vaerebro-park").police_district == "kbh-vestegn"
    assert ps.partnership("herlev-gladsaxe-ballerup").police_district == "kbh-vestegn"
    assert len(ps.partnership("broendby-strand").housing_org_ids) == 5
    assert len(ps.partnership("slagelse").housing_org_ids) == 5
    assert {a.id for a in ps.partnership("slagelse").areas} == {
        "motalavej",
        "ringparken",
        "sydbyen",
        "parkvej-praestevangen",
    }
    assert {a.id for a in ps.partnership("herlev-gladsaxe-ballerup").areas} == {
        "blokhaven",
        "grantoften",
        "hede-magleparken",
    }


def test_polygons_are_illustrative_and_reasonable(ps):
    for area in ps.areas():
        assert area.illustrative.covers("polygon")
        assert 5 <= len(area.polygon) <= 12, area.id
        for lat, lon in area.polygon:
            assert 54.5 < lat < 57.8 and 8.0 < lon < 15.2, area.id  # Denmark


def test_every_department_lies_inside_its_area(ps):
    for dep in ps.departments():
        area = ps.area(dep.area_id)
        assert point_in_polygon(dep.property.as_tuple(), area.polygon), dep.id
        assert re.fullmatch(r"\d{4}", dep.postcode)
        assert dep.streets


def test_every_area_has_a_department_and_a_known_municipality(ps):
    for area in ps.areas():
        assert ps.departments_in_area(area.id), area.id
        assert ps.municipality(area.municipality_id) is not None


@pytest.mark.parametrize(
    "street",
    [
        "Strandesplanaden 12, 3. tv",
        "strandesplanaden 12,3.tv",
        "  STRANDESPLANADEN   12 ",
        "Strandesplanaden 12B, st.",
        "Strandesplanaden",
    ],
)
def test_find_department_by_address_normalises_the_street(ps, street):
    dep = ps.find_department_by_address(Address(street, "2660", "Brøndby Strand"))
    assert dep is not None and dep.id == "bbs-605"
    assert ps.area(dep.area_id).id == "broendby-strand"


def test_find_department_needs_the_postcode_too(ps):
    assert ps.find_department_by_address(Address("Strandesplanaden 12", "2605", "Brøndby")) is None
    assert ps.find_department_by_address(Address("Strandesplanaden 12", " 2660 ", "x")) is not None


def test_find_department_unknown_street(ps):
    assert (
        ps.find_department_by_address(Address("Vesterbrogade 41, 4. tv", "1620", "København V"))
        is None
    )
    # a prefix of a department street is a different street
    assert ps.find_department_by_address(Address("Strand 12", "2660", "Brøndby Strand")) is None


def test_street_spelling_with_and_without_space(ps):
    a = ps.find_department_by_address(Address("Schackenborgvænge 3", "4200", "Slagelse"))
    b = ps.find_department_by_address(Address("Schackenborg Vænge 3, 1. th", "4200", "Slagelse"))
    assert a is not None and a == b and a.area_id == "ringparken"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Kirkebjerg Parkvej 3A, 2. th", "kirkebjergparkvej"),
        ("Brøndby Strand Centret", "brøndbystrandcentret"),
        ("Gl. Køge Landevej 10", "glkøgelandevej"),
        ("Motalavej 30 2. tv", "motalavej"),
    ],
)
def test_street_name(text, expected):
    assert street_name(text) == expected


def test_area_of(ps):
    assert ps.area_of((55.6197, 12.4186)).id == "broendby-strand"
    assert ps.area_of((55.6757, 12.5690)) is None  # Rådhuspladsen
    for dep in ps.departments():
        assert ps.area_of(dep.property.as_tuple()).id == dep.area_id


def test_lookups(ps):
    assert ps.org("bbs").name == "Brøndby Boligselskab"
    assert ps.area("motalavej").municipality_id == "slagelse"
    assert ps.partnership_of_area("grantoften").id == "herlev-gladsaxe-ballerup"
    assert ps.partnership_of_area("vaerebro-park").id == "vaerebro-park"
    assert ps.department("bbs-605").housing_org_id == "bbs"
    assert ps.police_district("kbh-vestegn").name == "Københavns Vestegns Politi"
    for missing in (
        ps.org("nope"),
        ps.area("nope"),
        ps.partnership_of_area("nope"),
        ps.partnership("nope"),
        ps.department("nope"),
    ):
        assert missing is None


def test_to_json_dict(ps):
    out = ps.to_json_dict()
    json.dumps(out)  # serialisable
    bs = next(p for p in out["partnerships"] if p["id"] == "broendby-strand")
    assert bs["police_district"] == {"id": "kbh-vestegn", "name": "Københavns Vestegns Politi"}
    assert bs["municipalities"][0]["name"] == "Brøndby Kommune"
    assert bs["areas"][0]["polygon"][0] == [55.6255, 12.403]
    orgs = {o["id"]: o for o in bs["housing_organisations"]}
    assert len(orgs) == 5
    dep = orgs["bbs"]["departments"][0]
    assert {"streets", "postcode", "city", "property", "area_id"} <= dep.keys()
    assert len(out["police_districts"]) == 12


@pytest.mark.parametrize(
    "break_it,message",
    [
        (
            lambda r: r["housing_organisations"][0]["departments"][0].__setitem__(
                "area_id", "atlantis"
            ),
            "unknown area",
        ),
        (
            lambda r: r["partnerships"][0].__setitem__("police_district", "atlantis"),
            "unknown police district",
        ),
        (
            lambda r: r["partnerships"][0]["housing_org_ids"].append("ghost-org"),
            "unknown housing organisation",
        ),
        (
            lambda r: r["partnerships"][1]["areas"].append(
                copy.deepcopy(r["partnerships"][0]["areas"][0])
            ),
            "duplicate area id",
        ),
    ],
)
def test_broken_references_are_refused(raw, break_it, message):
    broken = copy.deepcopy(raw)
    break_it(broken)
    with pytest.raises(ValueError, match=message):
        load_partnerships(broken)


def test_await_finality_is_each_partnerships_choice() -> None:
    raw = json.loads((Path(verdictflow.__file__).parent / "config" / "partnerships.json")
                      .read_text(encoding="utf-8"))
    early = copy.deepcopy(raw)
    early["partnerships"][0]["await_finality"] = False
    ps = load_partnerships(early)
    assert ps.partnership("broendby-strand").await_finality is False
    assert ps.partnership("slagelse").await_finality is True
    # the lease named in the verdict, else the registered address, finds the partnership
    home = Address("Strandesplanaden 12, 3. tv", "2660", "Brøndby Strand")
    nowhere = Address("Ingenvej 1", "9999", "Ingensteds")
    assert ps.partnership_of_person(Person("0101901234", "T", home)).id == "broendby-strand"
    assert ps.partnership_of_person(Person("0101901234", "T", nowhere)) is None
    assert ps.partnership_of_person(Person("0101901234", "T", nowhere, Household(
        "household_member", lease_address=home))).id == "broendby-strand"
    del early["partnerships"][0]["await_finality"]
    # absent: the default
    assert load_partnerships(early).partnership("broendby-strand").await_finality is True
    early["partnerships"][0]["await_finality"] = "false"
    with pytest.raises(ValueError, match="await_finality must be true or false"):
        load_partnerships(early)
