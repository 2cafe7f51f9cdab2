from django.db import models
from django.utils.translation import gettext_lazy as _


class Track(models.TextChoices):
    """The three investigations of "one case, three investigations" (一案三查)."""

    ENTERPRISE = "enterprise", _("Enterprise person in charge")
    DEPARTMENT = "department", _("Regulating department person in charge")
    GOVERNMENT = "government", _("Party and government leaders")


class SanctionKind(models.TextChoices):
    """The plans' catalogue of accountability measures. Officials (department and government tracks) take the
    first group; an enterprise's track holds only measures against the enterprise and its principal — a
    board's dismissal of its own manager is the company's business, not a sanction of the state."""

    # Officials: the plans' list, mildest first.
    SELF_CRITICISM = "self_criticism", _("Written self-criticism")
    CIRCULATED_CRITICISM = "circulated_criticism", _("Circulated criticism")
    LOSS_OF_AWARDS = "loss_of_awards", _("Loss of award eligibility")
    WARNING_INTERVIEW = "warning_interview", _("Warning interview")
    ADMONISHMENT = "admonishment", _("Admonishment")
    SUSPENSION = "suspension", _("Suspension for inspection")
    RESIGNATION_BLAME = "resignation_blame", _("Resignation to take the blame")
    ORDERED_RESIGNATION = "ordered_resignation", _("Ordered resignation")
    REMOVAL = "removal", _("Removal from post")
    DEMOTION = "demotion", _("Demotion")
    DISMISSAL = "dismissal", _("Dismissal")
    # Enterprises and their principals.
    FINE_PRINCIPAL = "fine_principal", _("Fine on the principal")
    LICENCE_MEASURE = "licence_measure", _("Licence measure (suspension or revocation)")
    CRIMINAL_REFERRAL = "criminal_referral", _("Referral for criminal investigation")


ENTERPRISE_SANCTIONS = frozenset(
    {SanctionKind.FINE_PRINCIPAL, SanctionKind.LICENCE_MEASURE, SanctionKind.CRIMINAL_REFERRAL}
)
OFFICIAL_SANCTIONS = frozenset(set(SanctionKind) - ENTERPRISE_SANCTIONS)


def sanction_fits_track(kind: str, track: str) -> bool:
    """Enterprise measures on the enterprise track only; officials' measures on the two others."""
    return kind in (ENTERPRISE_SANCTIONS if track == Track.ENTERPRISE else OFFICIAL_SANCTIONS)


class SanctionBasis(models.TextChoices):
    """Why a sanction is imposed: an accident's case, or poor work on its own record (no accident needed)."""

    ACCIDENT_CASE = "accident_case", _("Accident investigation")
    BOTTOM_RANK_TWICE = "bottom_rank_twice", _("Bottom of the ranking two months running")
    OVERDUE_MAJOR_HAZARDS = "overdue_major_hazards", _("Major hazards overdue")
    UNACKNOWLEDGED_HANDOVERS = "unacknowledged_handovers", _("Handovers not acknowledged in time")
    ACCIDENT_REPORTING = "accident_reporting", _("Accident reported late, missed, falsely or concealed")


class InterviewReason(models.TextChoices):
    RANKING = "ranking", _("Low ranking")
    OVERDUE_HAZARD = "overdue_hazard", _("Overdue hazard")
    ACCIDENT = "accident", _("Accident")


class AccidentGrade(models.TextChoices):
    """The four grades of the State Council's regulations on reporting and investigating production safety
    accidents (生产安全事故报告和调查处理条例, art. 3)."""

    GENERAL = "general", _("General accident")
    LARGER = "larger", _("Larger accident")
    MAJOR = "major", _("Major accident")
    ESPECIALLY_MAJOR = "especially_major", _("Especially major accident")


class AccidentReporting(models.TextChoices):
    """How the accident reached the county-level department: on time (within one hour), late, or the three
    violations a finding records (articles 35 and 36 of the regulations: missed, false, concealed)."""

    ON_TIME = "on_time", _("Reported within one hour")
    LATE = "late", _("Reported late")
    NOT_REPORTED = "not_reported", _("Not reported yet")
    MISSED = "missed", _("Missed report")
    FALSE = "false", _("False report")
    CONCEALED = "concealed", _("Concealed")


REPORTING_VIOLATIONS = frozenset(
    {AccidentReporting.LATE, AccidentReporting.MISSED, AccidentReporting.FALSE, AccidentReporting.CONCEALED}
)


class SpotCheckState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned for re-inspection")
    DONE = "done", _("Re-inspected")
