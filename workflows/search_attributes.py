"""Custom search attributes of verdictflow workflows.

Values are ids and stages only, never personal data: operators filter on them in the
Web UI (e.g. ``VfStage = "awaiting_decision" AND VfHousingOrg = "bbs"``).
"""

from temporalio.common import SearchAttributeKey

STAGE = SearchAttributeKey.for_keyword("VfStage")
HOUSING_ORG = SearchAttributeKey.for_keyword("VfHousingOrg")
AREA = SearchAttributeKey.for_keyword("VfArea")
POLICE_DISTRICT = SearchAttributeKey.for_keyword("VfPoliceDistrict")
DECISION_DUE = SearchAttributeKey.for_datetime("VfDecisionDue")
PERSON_REF = SearchAttributeKey.for_keyword("VfPersonRef")

ALL = (STAGE, HOUSING_ORG, AREA, POLICE_DISTRICT, DECISION_DUE, PERSON_REF)
