"""The inbox page: what awaits the signed-in user, each item a link to the page where it is done."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from organizations.scoping import actor_of

from .selectors import inbox_sections, remember_inbox_badge


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    sections = inbox_sections(actor=actor_of(request))
    total = sum(section.count for section in sections)
    remember_inbox_badge(actor=actor_of(request), total=total)
    return render(
        request,
        "inbox/inbox.html",
        {
            "sections": [section for section in sections if section.count],
            "total": total,
            "inbox_count": total,  # the navigation's badge: already counted
            "today": timezone.localdate(),
        },
    )
