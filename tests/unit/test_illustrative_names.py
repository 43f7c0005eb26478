"""An explanation never presents a name the seeds do not give as fact: departments and
organisations filled in to make the landscape work are printed with "(illustrativ)"."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import verdictflow
from verdictflow.domain.eligibility_policy_v2 import load_policy_v2
from verdictflow.domain.partnerships import load_partnerships
from verdictflow.domain.policy_v2 import assess_v2
from verdictflow.domain.provenance import shown
from verdictflow.domain.samples import final_verdict, sample_verdicts

CONFIG = Path(verdictflow.__file__).parent / "config"
PS = load_partnerships((CONFIG / "partnerships.json").read_text(encoding="utf-8"))
POLICY = load_policy_v2((CONFIG / "eligibility-policy-v2.json").read_text(encoding="utf-8"))


def test_a_name_is_marked_only_where_the_seeds_do_not_give_it() -> None:
    department = PS.housing_organisations[0].departments[0]
    assert department.illustrative.covers("name")
    assert shown(department) == f"{department.name} (illustrativ)"
    named = [o for o in PS.housing_organisations if not o.illustrative.covers("name")]
    assert named and all(shown(o) == o.name for o in named)


def test_explanations_of_the_real_landscape_mark_every_illustrative_name() -> None:
    illustrative = {d.name for o in PS.housing_organisations for d in o.departments
                    if d.illustrative.covers("name")}
    illustrative |= {o.name for o in PS.housing_organisations if o.illustrative.covers("name")}
    # Seed names that contain an illustrative one (the area "Ringparken/Schackenborg Vænge"
    # beside the department "Ringparken") are no unmarked use of it.
    seed_names = {x.name for x in [*PS.partnerships, *(a for p in PS.partnerships for a in p.areas),
                                   *PS.housing_organisations]
                  if not x.illustrative.covers("name")}
    marked = 0
    for sample in sample_verdicts(PS, date(2026, 11, 25)):
        a = assess_v2(final_verdict(sample), POLICY, PS, date(2026, 11, 25))
        for rule in a.disclosure_basis.rules + a.termination_ground.rules:
            text = rule.explanation
            # Longest first, so "Afd. 15" is not found inside "Afd. 157 Lunden".
            for name in sorted(illustrative, key=len, reverse=True):
                marked += text.count(f"{name} (illustrativ)")
                text = text.replace(f"{name} (illustrativ)", "\N{SECTION SIGN}")
            for name in sorted(seed_names, key=len, reverse=True):
                text = text.replace(name, "\N{SECTION SIGN}")
            unmarked = [n for n in illustrative if re.search(rf"{re.escape(n)}(?!\w)", text)]
            assert not unmarked, rule.explanation
    assert marked > 0  # the samples live in illustrative departments: the check checked
