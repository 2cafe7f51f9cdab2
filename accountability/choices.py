from django.db import models
from django.utils.translation import gettext_lazy as _


class Track(models.TextChoices):
    """The three investigations of "one case, three investigations" (一案三查)."""

    ENTERPRISE = "enterprise", _("Enterprise person in charge")
    DEPARTMENT = "department", _("Regulating department person in charge")
    GOVERNMENT = "government", _("Party and government leaders")


class SanctionKind(models.TextChoices):
    SELF_CRITICISM = "self_criticism", _("Written self-criticism")
    CIRCULATED_CRITICISM = "circulated_criticism", _("Circulated criticism")
    ADMONISHMENT = "admonishment", _("Admonishment")
    LOSS_OF_AWARDS = "loss_of_awards", _("Loss of award eligibility")
    SUSPENSION = "suspension", _("Suspension for inspection")
    ORDERED_RESIGNATION = "ordered_resignation", _("Ordered resignation")
    DEMOTION = "demotion", _("Demotion")
    DISMISSAL = "dismissal", _("Dismissal")


class InterviewReason(models.TextChoices):
    RANKING = "ranking", _("Low ranking")
    OVERDUE_HAZARD = "overdue_hazard", _("Overdue hazard")
    ACCIDENT = "accident", _("Accident")
