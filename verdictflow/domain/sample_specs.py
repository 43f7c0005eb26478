"""The scenarios behind ``samples.sample_verdicts``: one line of intent each.

All people are invented. A scene of ``None`` means "a few dozen metres from the home
department's property" (inside the area); otherwise (street, postcode, city, lat, lon)
with lat/lon ``None`` when the police system has only the address.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

STRFL = "straffeloven"
EUL = "lov om euforiserende stoffer"
KBV, SSL, MVS = "kbh-vestegn", "sydsjaelland-lolland-falster", "midt-vestsjaelland"


def custody(days: int) -> dict[str, Any]:
    return {"kind": "unconditional_custody", "days": days}


@dataclass(frozen=True, kw_only=True)
class Spec:
    key: str
    title: str
    district: str
    name: str
    birth: date
    department_id: str | None
    house: str = "1"
    home: tuple[str, str, str] | None = None  # only when not living in a partnership area
    offences: list[tuple[str, str]]
    description: str
    sentence: dict[str, Any]
    scene: tuple[str, str, str, float | None, float | None] | None = None
    age_days: int = 10
    final: bool = True
    changes: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    duplicate: bool = False
    offence_facts: dict[str, Any] = field(default_factory=dict)  # added to every offence
    outcome: str  # under policy v1
    outcome_v2: str | None = None  # under policy v2, when it differs from v1's
    assessment: str | None = None  # when the end state differs from assess() (overturned)


# fmt: off
SPECS: tuple[Spec, ...] = (
    # Brøndby Strand (Københavns Vestegns Politi)
    Spec(key="bs-vold-opgang", title="Vold i opgang, gerningssted med koordinater i området",
         district=KBV, name="Testperson Aksel Vindbjerg", birth=date(1990, 1, 1),
         department_id="bbs-605", house="12, 3. tv", offences=[(STRFL, "244")],
         description="vold mod nabo i opgang", sentence=custody(60),
         scene=("Brøndby Strand Centret", "2660", "Brøndby Strand", 55.6197, 12.4186),
         age_days=5, outcome="eligible"),
    Spec(key="bs-hash-kisumparken", title="Narkosalg, gerningssted kun som adresse i området",
         district=KBV, name="Testperson Bodil Rævekær", birth=date(1986, 4, 17),
         department_id="tranemosegaard-13", house="31, 2. th", offences=[(EUL, "§ 3")],
         description="salg af hash fra kælderrum bag vaskeriet", sentence=custody(120),
         scene=("Kisumparken 40", "2660", "Brøndby Strand", None, None),
         offence_facts={"intent_to_pass_on": True}, age_days=20, outcome="eligible"),
    Spec(key="bs-trusler-boede", title="Trusler straffet med bøde: manuel vurdering",
         district=KBV, name="Testperson Carsten Hyldmose", birth=date(1979, 9, 3),
         department_id="bbs-606", house="7, st. tv", offences=[(STRFL, "266")],
         description="trusler mod vicevært ved affaldsøen",
         sentence={"kind": "fine", "amount_dkk": 4000},
         offence_facts={"victim_role": "housing_org_employee"}, age_days=15,
         outcome="manual_review", outcome_v2="disclose_other_ground"),
    Spec(key="bs-vold-raadhuspladsen", title="Grov vold langt fra boligområdet",
         district=KBV, name="Testperson Dorte Lyngsbæk", birth=date(1995, 12, 24),
         department_id="bbs-607", house="3, 1. mf", offences=[(STRFL, "245")],
         description="grov vold uden for natklub ved Rådhuspladsen", sentence=custody(180),
         scene=("Rådhuspladsen", "1550", "København V", 55.6757, 12.5690),
         age_days=40, outcome="not_eligible", outcome_v2="manual_review"),
    Spec(key="bs-indbrud-omgjort", title="Indbrud, videregivet, siden ophævet efter genoptagelse",
         district=KBV, name="Testperson Egon Tjørnskov", birth=date(1988, 6, 30),
         department_id="bbs-608", house="22, 4. th", offences=[(STRFL, "276 a")],
         description="indbrud i kælderrum under blok fire", sentence=custody(90),
         age_days=40, changes=[("overturned", 2, {"court": "Østre Landsret"})],
         outcome="overturned", assessment="eligible"),
    Spec(key="bs-roeveri-dobbelt", title="Røveri; politiets system sender hændelsen to gange",
         district=KBV, name="Testperson Frida Mosegaard-Uhd", birth=date(2001, 2, 11),
         department_id="lejerbo-broendby-157", house="14, 2. tv", offences=[(STRFL, "288")],
         description="røveri af cykelbud på stien ved legepladsen", sentence=custody(240),
         age_days=12, duplicate=True, outcome="eligible"),
    Spec(key="bs-gammel-sag", title="Vold, men afgørelsen er over to år gammel",
         district=KBV, name="Testperson Gunnar Skræppenborg", birth=date(1975, 3, 8),
         department_id="pab-8", house="5, 1. th", offences=[(STRFL, "244")],
         description="vold mod nabo ved cykelkælderen", sentence=custody(30),
         age_days=3 * 365 + 20, outcome="not_eligible", outcome_v2="manual_review"),
    Spec(key="udenfor-partnerskab",
         title="Vold i Brøndby Strand, men bor ikke i et partnerskabsområde",
         district=KBV, name="Testperson Hjalmar Ørnebjerg", birth=date(1993, 7, 19),
         department_id=None, home=("Vesterbrogade 41, 4. tv", "1620", "København V"),
         offences=[(STRFL, "244")], description="knytnæveslag mod fremmed ved S-togsstationen",
         sentence=custody(40),
         scene=("Brøndby Strand Station", "2660", "Brøndby Strand", 55.6225, 12.4180),
         age_days=25, outcome="not_eligible"),
    # Slagelse, Korsør, Skælskør (Sydsjællands og Lolland-Falsters Politi)
    Spec(key="sl-motalavej-grov-vold", title="Grov vold i gården på Motalavej",
         district=SSL, name="Testperson Ingrid Halsskovgaard", birth=date(1984, 10, 2),
         department_id="boligkorsoer-21", house="30, 2. tv", offences=[(STRFL, "§ 245")],
         description="grov vold med flaske i gården ved blok tre", sentence=custody(365),
         age_days=30, outcome="eligible"),
    Spec(key="sl-ringparken-vaaben", title="Ladt pistol ved butiksgaden",
         district=SSL, name="Testperson Jens-Ole Bøgvad", birth=date(1998, 5, 27),
         department_id="slagelse-boligselskab-ringparken", house="18, st. th",
         offences=[(STRFL, "192 a")], description="ladt pistol i jakkelomme ved butiksgaden",
         sentence=custody(730), age_days=60, outcome="eligible"),
    Spec(key="sl-sydbyen-ungdomssanktion", title="Røveri begået af en 16-årig: ungdomssanktion",
         district=SSL, name="Testperson Kasper Sivgaard", birth=date(2010, 8, 14),
         department_id="slagelse-almennyttige-sydbyen", house="9, 1. tv",
         offences=[(STRFL, "288")],
         description="røveri af mobiltelefon fra skoleelev på stisystemet",
         sentence={"kind": "youth_sanction"}, age_days=45, outcome="eligible"),
    Spec(key="sl-haeleri", title="Hæleri er ikke på listen i § 90, stk. 1, nr. 10",
         district=SSL, name="Testperson Lise Kornbech", birth=date(1982, 11, 5),
         department_id="fob-slagelse-schackenborg", house="6, 2. th", offences=[(STRFL, "290")],
         description="hæleri med stjålne elcykler i kælderen", sentence=custody(40),
         age_days=35, outcome="not_eligible", outcome_v2="disclose_other_ground"),
    Spec(key="sl-parkvej-betinget", title="Betinget dom for vold: manuel vurdering",
         district=SSL, name="Testperson Mogens Engelsvig", birth=date(1970, 1, 29),
         department_id="skaelskoer-boligselskab-parkvej", house="11, 1. th",
         offences=[(STRFL, "244")],
         description="vold mod genbo på parkeringspladsen",
         sentence={"kind": "conditional_custody", "days": 30}, age_days=18,
         outcome="manual_review", outcome_v2="disclose_other_ground"),
    Spec(key="sl-praestevangen-anke",
         title="Trusler; anket, stadfæstet med mildere straf i landsretten",
         district=SSL, name="Testperson Nanna Præstholm", birth=date(1991, 4, 9),
         department_id="skaelskoer-boligselskab-praestevangen", house="4, st. tv",
         offences=[(STRFL, "266")], description="trusler med kniv mod nabo ved postkasserne",
         sentence=custody(40), age_days=120, final=False,
         changes=[("appealed", 110, {}),
                  ("finalized", 30, {"court": "Østre Landsret", "sentence": custody(30)})],
         outcome="eligible"),
    Spec(key="sl-anden-kreds", title="Vold i Ringparken, men sagen er fra en anden politikreds",
         district=MVS, name="Testperson Ole Vesterlund-Kiær", birth=date(1987, 2, 21),
         department_id="slagelse-boligselskab-ringparken", house="44, 3. th",
         offences=[(STRFL, "244")], description="vold mod dørmand efter fest i beboerhuset",
         sentence=custody(30), age_days=22, outcome="not_eligible",
         outcome_v2="manual_review"),
    # Værebro Park (Københavns Vestegns Politi)
    Spec(key="vp-ildspaasaettelse", title="Ildspåsættelse i opgang",
         district=KBV, name="Testperson Pernille Smørmose", birth=date(1999, 9, 9),
         department_id="gab-vaerebro-park", house="52, 5. tv", offences=[(STRFL, "181")],
         description="ildspåsættelse af barnevogne i opgang", sentence=custody(150),
         age_days=50, outcome="eligible"),
    Spec(key="vp-knallert", title="Fareforvoldelse 670 m fra ejendommen, uden for området",
         district=KBV, name="Testperson Rasmus Fedtmosegaard", birth=date(2003, 3, 3),
         department_id="gab-vaerebro-park", house="18, 2. th",
         offences=[(STRFL, "252, stk. 1")],
         description="kørsel med knallert ind i fodgængere på mosestien", sentence=custody(60),
         scene=("Mosestien", "2880", "Bagsværd", 55.7620, 12.4395),
         age_days=70, outcome="eligible", outcome_v2="manual_review"),
    # Herlev/Gladsaxe/Ballerup (Københavns Vestegns Politi)
    Spec(key="hgb-grantoften-haervaerk", title="Groft hærværk på vaskeriet",
         district=KBV, name="Testperson Signe Baltorp", birth=date(1996, 6, 6),
         department_id="bab-ballerup-grantoften", house="212, 6. th",
         offences=[(STRFL, "291 stk. 2")],
         description="groft hærværk med koben på fællesvaskeriet", sentence=custody(30),
         age_days=80, outcome="eligible",
         outcome_v2="manual_review"),
    Spec(key="hgb-blokhaven-slagsmaal", title="Gruppeslagsmål på parkeringspladsen",
         district=KBV, name="Testperson Torben Skovlundager", birth=date(2000, 12, 1),
         department_id="aab-106", house="40, 2. tv", offences=[(STRFL, "134a")],
         description="gruppeslagsmål med køller på parkeringspladsen", sentence=custody(20),
         age_days=90, outcome="eligible",
         outcome_v2="manual_review"),
    Spec(key="hgb-hedeparken-samfundstjeneste",
         title="Afpresning, samfundstjeneste: manuel vurdering",
         district=KBV, name="Testperson Ulla Hedegaven", birth=date(1978, 7, 7),
         department_id="baldersbo-hedeparken", house="15, 1. tv", offences=[(STRFL, "281")],
         description="afpresning af nabo for husleje-penge",
         sentence={"kind": "community_service"}, age_days=33, outcome="manual_review"),
    Spec(key="hgb-magleparken-frifundet", title="Frifundet for vold",
         district=KBV, name="Testperson Viggo Maglekilde", birth=date(1985, 8, 18),
         department_id="ballerup-boligselskab-magleparken", house="8, st. th",
         offences=[(STRFL, "244")], description="påstået vold mod genbo i cykelskuret",
         sentence={"kind": "acquittal"}, age_days=14, outcome="not_eligible"),
    Spec(key="hgb-blokhaven-uden-koordinater",
         title="Trusler; gerningssted kun som adresse uden for området",
         district=KBV, name="Testperson Yrsa Bybuen-Holst", birth=date(1992, 10, 10),
         department_id="aab-106", house="12, 3. th", offences=[(STRFL, "266")],
         description="trusler mod ejendomsfunktionær ved busstoppestedet", sentence=custody(14),
         scene=("Ballerup Boulevard 30", "2750", "Ballerup", None, None),
         age_days=16, outcome="manual_review"),
)
# fmt: on
