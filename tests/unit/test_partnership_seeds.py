"""The reference data says what the seed documents (../shared/seeds/) say, and marks the
rest illustrative.

The expected values are written out here with the seed's line quoted beside them, not
parsed from the seeds at run time: a change to partnerships.json that adds, drops or
renames a party fails here, and whoever changes it must change this table against the
document. A verdict is sealed to the organisations of the person's partnership, so a
wrong party here is a disclosure to an organisation outside the agreement.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import verdictflow
from verdictflow.cli.partnerships_view import describe
from verdictflow.domain.partnerships import Partnerships, load_partnerships

CONFIG = Path(verdictflow.__file__).parent / "config" / "partnerships.json"

# partnership id -> its parties as the seed names them: (kind, name as in the seed, our id)
SEED_PARTIES: dict[str, list[tuple[str, str, str | None]]] = {
    # 000_b7e47d1390b70fde.txt: "Partnerne i aftalen er Vestegnens Politi, Brøndby Kommune og
    # fem boligorganisationer i Brøndby Strand." Then, under "De er med i aftalen":
    "broendby-strand": [
        # "De er med i aftalen Vestegnens Politi repræsenteret ved politidirektør Kim Christiansen."
        ("police", "Vestegnens Politi", "kbh-vestegn"),
        # "Brøndby Kommune repræsenteret ved borgmester Kent Magelund."
        ("municipality", "Brøndby Kommune", "broendby"),
        # "Brøndby Boligselskab repræsenteret ved formand Michael Buch-Barnes."
        ("housing_organisation", "Brøndby Boligselskab", "bbs"),
        # "Brøndby almennyttige Boligselskab repræsenteret ved formand Ole Larsen."
        ("housing_organisation", "Brøndby almennyttige Boligselskab", "bab-broendby"),
        # "Lejerbo Brøndby repræsenteret ved formand Brian Børgesen."
        ("housing_organisation", "Lejerbo Brøndby", "lejerbo-broendby"),
        # "Boligselskabet Tranemosegård repræsenteret ved næstformand Allan Nielsen."
        ("housing_organisation", "Boligselskabet Tranemosegård", "tranemosegaard"),
        # "Postfunktionærernes Andels-Boligforening repræsenteret ved næstformand Kai Dinesen."
        ("housing_organisation", "Postfunktionærernes Andels-Boligforening", "pab"),
    ],
    # 001_cbe2846d7d5ee635.txt, the agreement's heading: "Partnerskabsaftale / mellem /
    # Sydsjælland og Lolland-Falsters Politi / Slagelse Kommune / Bolig Korsør / Skælskør
    # Boligselskab / Fælles Organisationens Boligselskab Slagelse / Slagelse Almennyttige
    # Boligselskab / Slagelse Boligselskab" (one party a line, quoted in order below).
    "slagelse": [
        # "Sydsjælland og Lolland-Falsters Politi"
        ("police", "Sydsjælland og Lolland-Falsters Politi", "sydsjaelland-lolland-falster"),
        # "Slagelse Kommune"
        ("municipality", "Slagelse Kommune", "slagelse"),
        # "Bolig Korsør"
        ("housing_organisation", "Bolig Korsør", "boligkorsoer"),
        # "Skælskør Boligselskab"
        ("housing_organisation", "Skælskør Boligselskab", "skaelskoer-boligselskab"),
        # "Fælles Organisationens Boligselskab Slagelse"
        ("housing_organisation", "Fælles Organisationens Boligselskab Slagelse", "fob-slagelse"),
        # "Slagelse Almennyttige Boligselskab"
        ("housing_organisation", "Slagelse Almennyttige Boligselskab", "slagelse-almennyttige"),
        # "Slagelse Boligselskab"
        ("housing_organisation", "Slagelse Boligselskab", "slagelse-boligselskab"),
    ],
    # 002_5bbfadeecff6b4c2.txt: "Blandt andet på grund af et velfungerende
    # kriminalitetsforebyggende samarbejde med lokalpolitiet." / "... politikommissær for
    # Vestegnens Politi." / "De har et tæt samarbejde med den boligsociale helhedsplan,
    # kommunen, skoler og klubber i området." No housing organisation is named; nor is the
    # municipality (Gladsaxe is our reading, marked illustrative).
    "vaerebro-park": [
        ("police", "Vestegnens Politi", "kbh-vestegn"),
        ("other", "den boligsociale helhedsplan", None),
        ("municipality", "kommunen", "gladsaxe"),
        ("other", "skoler og klubber i området", None),
    ],
    # 003_46080c3ab7ba08f0.txt: "Herlev, Gladsaxe og Ballerup underskriver ny
    # bandepartnerskabsaftale sammen med Københavns Vestegns Politi."
    # 004_3964470031d5bd78.txt: "Ballerup, Herlev og Gladsaxe Kommuner fortsætter det tætte
    # samarbejde med Københavns Vestegns Politi". No housing organisation is a party.
    "herlev-gladsaxe-ballerup": [
        ("police", "Københavns Vestegns Politi", "kbh-vestegn"),
        ("municipality", "Herlev Kommune", "herlev"),
        ("municipality", "Gladsaxe Kommune", "gladsaxe"),
        ("municipality", "Ballerup Kommune", "ballerup"),
    ],
}

# The organisations the seeds name, by the name the data gives them.
SEED_ORG_NAMES = {
    "bbs": "Brøndby Boligselskab",
    "bab-broendby": "Brøndby almennyttige Boligselskab",
    "lejerbo-broendby": "Lejerbo Brøndby",
    # 000: "Bo-Vest, der administrerer boligerne i Tranemosegård"
    "tranemosegaard": "Boligselskabet Tranemosegård (administreret af Bo-Vest)",
    "pab": "Postfunktionærernes Andels-Boligforening",
    "boligkorsoer": "Bolig Korsør",
    "skaelskoer-boligselskab": "Skælskør Boligselskab",
    # 001: "Fællesorganisationens Boligselskab Slagelse"; signed "FOB Slagelse"
    "fob-slagelse": "Fællesorganisationens Boligselskab (FOB) Slagelse",
    # 001: "Slagelse Almennyttige Boligselskab"; signed "SAB Slagelse"
    "slagelse-almennyttige": "Slagelse Almennyttige Boligselskab (SAB)",
    "slagelse-boligselskab": "Slagelse Boligselskab",
}

# partnership id -> (valid_from, valid_to), None where the seed gives no date
SEED_VALIDITY = {
    # 000 is a news article of 21 January 2021 and gives no period
    "broendby-strand": (None, None),
    # 001: "Partnerskabsaftalen indgås med virkning fra 1. september 2017 og indtil videre."
    "slagelse": ("2017-09-01", None),
    # 002 gives no period
    "vaerebro-park": (None, None),
    # 003: "Aftalen løber frem til udgangen af 2021." (signed "torsdag den 12. december",
    # no year)
    "herlev-gladsaxe-ballerup": (None, "2021-12-31"),
}

SEED_SOURCES = {
    "broendby-strand": ["000_b7e47d1390b70fde.txt"],
    "slagelse": ["001_cbe2846d7d5ee635.txt"],
    "vaerebro-park": ["002_5bbfadeecff6b4c2.txt"],
    "herlev-gladsaxe-ballerup": ["003_46080c3ab7ba08f0.txt", "004_3964470031d5bd78.txt"],
}

SEED_AREAS = {
    # 000: "... skal øge trygheden i Brøndby Strand."
    "broendby-strand": ["Brøndby Strand"],
    # 001: "... så det omfatter de fire boligområder Motalavej, Ringparken/Schackenberg Vænge,
    # Sydbyen og Parkvej/Præstevangen." and "... Sydbyen i Slagelse og Parkvej/Præstevangen i
    # Skælskør." (the seed also writes "Ringparken/Schackenborg Vænge")
    "slagelse": [
        "Motalavej",
        "Ringparken/Schackenborg Vænge",
        "Sydbyen (Slagelse)",
        "Parkvej/Præstevangen (Skælskør)",
    ],
    # 002: "I Værebro Park går det rigtig godt med beboernes tryghed."
    "vaerebro-park": ["Værebro Park"],
    # 004: "... beboerne i blandt andet Blokhaven, Grantoften og Hede-Magleparken ..."
    "herlev-gladsaxe-ballerup": ["Blokhaven", "Grantoften", "Hede-Magleparken"],
}


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ps(raw) -> Partnerships:
    return load_partnerships(raw)


def test_every_partnership_has_a_seed_table_row(ps):
    assert {p.id for p in ps.partnerships} == set(SEED_PARTIES)


@pytest.mark.parametrize("pid", sorted(SEED_PARTIES))
def test_parties_are_exactly_those_the_seed_names(ps, pid):
    p = ps.partnership(pid)
    assert [(x.kind, x.name, x.ref) for x in p.parties] == SEED_PARTIES[pid]


@pytest.mark.parametrize("pid", sorted(SEED_PARTIES))
def test_disclosures_go_only_to_named_parties_or_to_marked_stand_ins(ps, pid):
    p = ps.partnership(pid)
    named = [ref for kind, _, ref in SEED_PARTIES[pid] if kind == "housing_organisation"]
    if named:
        # Slagelse: no "Boligselskabet Sct. Jørgen", no "Lejerbo Skælskør"; FOB and Skælskør
        # Boligselskab receive.
        assert sorted(p.housing_org_ids) == sorted(named)
        assert not any(ps.org(o).illustrative for o in p.housing_org_ids)
    else:
        assert p.housing_org_ids and p.illustrative.covers("housing_org_ids")
        assert all(ps.org(o).illustrative.whole for o in p.housing_org_ids)


def test_the_organisations_the_seeds_name_carry_the_seeds_names(ps):
    assert {o.id: o.name for o in ps.housing_organisations if not o.illustrative} == (
        SEED_ORG_NAMES
    )
    names = {o.name for o in ps.housing_organisations}
    assert "Boligselskabet Sct. Jørgen" not in names and "Lejerbo Skælskør" not in names


@pytest.mark.parametrize("pid", sorted(SEED_PARTIES))
def test_validity_sources_and_areas_as_the_seed_gives_them(ps, pid):
    p = ps.partnership(pid)
    assert (p.valid_from, p.valid_to) == SEED_VALIDITY[pid]
    assert [s.document for s in p.sources] == SEED_SOURCES[pid]
    assert all(s.title for s in p.sources)
    assert [a.name for a in p.areas] == SEED_AREAS[pid]
    assert p.description
    assert p.police_district == ps.municipality(p.municipality_ids[0]).police_district


def test_what_the_seeds_do_not_give_is_marked(ps):
    for area in ps.areas():
        assert area.illustrative.covers("polygon"), area.id
    for dep in ps.departments():  # no seed names a department, street or property
        assert dep.illustrative.whole, dep.id
    # the seeds name no municipality for Værebro Park nor for the Ballerup areas
    for aid in ("vaerebro-park", "blokhaven", "grantoften", "hede-magleparken"):
        assert ps.area(aid).illustrative.covers("municipality_id"), aid
    vp = ps.partnership("vaerebro-park")
    assert vp.illustrative.covers("municipality_ids")
    assert next(x for x in vp.parties if x.kind == "municipality").illustrative.covers("ref")
    # no seed says whether its partners act before finality: every choice is ours
    for p in ps.partnerships:
        assert p.illustrative.covers("await_finality") and p.await_finality is True, p.id
    # ... and nothing the seeds do give is marked
    assert ps.partnership("slagelse").illustrative.fields == ("await_finality",)
    assert not ps.area("motalavej").illustrative.covers("municipality_id")


@pytest.mark.parametrize(
    "break_it,message",
    [
        # a recipient neither named by the seed nor marked illustrative (the old Slagelse data)
        (
            lambda r: (
                r["housing_organisations"].append(
                    {"id": "sct-joergen", "name": "Boligselskabet Sct. Jørgen", "departments": []}
                ),
                r["partnerships"][1]["housing_org_ids"].append("sct-joergen"),
            ),
            "'sct-joergen' is neither a party nor marked illustrative",
        ),
        (lambda r: _org(r, "gab").pop("illustrative"), "neither a party nor marked illustrative"),
        (
            lambda r: _org(r, "bbs").__setitem__("illustrative", True),
            "marked illustrative, but the seed names it",
        ),
        (
            lambda r: r["partnerships"][0]["parties"][0].__setitem__("ref", "fyn"),
            "refers to 'fyn', not one of its police ids",
        ),
        (lambda r: r["partnerships"][0].__setitem__("parties", []), "names no parties"),
        (
            lambda r: r["partnerships"][0]["parties"][1].__setitem__("illustrative", True),
            "marked illustrative as a whole",
        ),
        (lambda r: r["partnerships"][0].__setitem__("sources", []), "names no source document"),
        (
            lambda r: r["partnerships"][0]["areas"][0].__setitem__("illustrative", ["polygn"]),
            "names unknown fields",
        ),
        (lambda r: r["partnerships"][1].__setitem__("valid_to", "2017-08-31"), "before"),
        (lambda r: r["partnerships"][1].__setitem__("valid_from", "1. sept 2017"), "ISO date"),
        (
            lambda r: r["partnerships"][0]["parties"][0].__setitem__("kind", "politi"),
            "unknown kind",
        ),
    ],
)
def test_provenance_breaks_are_refused(raw, break_it, message):
    broken = copy.deepcopy(raw)
    break_it(broken)
    with pytest.raises(ValueError, match=message):
        load_partnerships(broken)


def _org(raw: dict, org_id: str) -> dict:
    return next(o for o in raw["housing_organisations"] if o["id"] == org_id)


def test_json_output_carries_the_marks(ps):
    out = ps.to_json_dict()
    sl = next(p for p in out["partnerships"] if p["id"] == "slagelse")
    assert sl["valid_from"] == "2017-09-01" and sl["valid_to"] is None
    assert sl["sources"][0]["document"] == "001_cbe2846d7d5ee635.txt"
    assert [x["name"] for x in sl["parties"]] == [n for _, n, _ in SEED_PARTIES["slagelse"]]
    assert all(a["illustrative"] == ["polygon"] for a in sl["areas"])
    assert all(o["party"] and o["illustrative"] is False for o in sl["housing_organisations"])
    assert all(
        d["illustrative"] is True for o in sl["housing_organisations"] for d in o["departments"]
    )
    hgb = next(p for p in out["partnerships"] if p["id"] == "herlev-gladsaxe-ballerup")
    assert all(
        not o["party"] and o["illustrative"] is True for o in hgb["housing_organisations"]
    )
    assert "illustrative" in out["note"]


def test_text_output_marks_every_illustrative_line(ps):
    lines = list(describe(ps.to_json_dict()))
    deps = [ln for ln in lines if ln.lstrip().startswith("department ")]
    assert len(deps) == len(ps.departments())
    assert all(ln.endswith("[illustrative]") for ln in deps)
    assert "  area motalavej: Motalavej [illustrative: polygon]" in lines
    assert (
        "  organisation gab: Gladsaxe almennyttige Boligselskab (administreret af DAB) "
        "(not a party) [illustrative]"
    ) in lines
    assert (
        "  organisation fob-slagelse: Fællesorganisationens Boligselskab (FOB) Slagelse (party)"
    ) in lines
    assert "  party (municipality): kommunen -> gladsaxe [illustrative: ref]" in lines
    assert "  validity: from 2017-09-01 to (until further notice)" in lines


def test_the_command_prints_both_forms(tmp_path):
    env = {**os.environ, "VF_STATE_DIR": str(tmp_path), "VF_ENVIRONMENT": "test"}

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "verdictflow", "partnerships", *args],
            capture_output=True, text=True, env=env, timeout=60, check=True,
        )
        return done.stdout

    text = run()
    assert "party (housing_organisation): Skælskør Boligselskab -> skaelskoer-boligselskab" in (
        text
    )
    assert "Sct. Jørgen" not in text and "[illustrative]" in text
    data = json.loads(run("--json"))
    vp = next(p for p in data["partnerships"] if p["id"] == "vaerebro-park")
    assert vp["illustrative"] == ["municipality_ids", "housing_org_ids", "await_finality"]
    assert vp["await_finality"] is True
    assert "  await finality: waits for the final verdict [illustrative]" in text
