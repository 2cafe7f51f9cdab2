"""Notice pages: a user's channels per kind of notice; the tenant administrator's outbox and webhook."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from organizations.choices import Role
from organizations.forms import apply_service_errors
from organizations.scoping import actor_of, require_role

from .choices import DeliveryStatus
from .models import NoticeDelivery, NoticeWebhook
from .services.notifications import notice_delivery_retry, notice_preferences_get, notice_preferences_set
from .services.webhooks import PLACEHOLDERS, notice_webhook_set

ADMIN_ONLY = frozenset({Role.TENANT_ADMIN})


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of e-mails and messages"), choices=settings.LANGUAGES
    )


@login_required
def notice_preferences_page(request: HttpRequest) -> HttpResponse:
    """Each kind of notice with its channels: in-app always, e-mail and the tenant's webhook as chosen."""
    actor = actor_of(request)
    form = LanguageForm(request.POST or None, initial={"language": actor.language})
    if request.method == "POST" and form.is_valid():
        channels = {
            choice.kind: {
                "email": f"{choice.kind}:email" in request.POST,
                "webhook": f"{choice.kind}:webhook" in request.POST,
            }
            for choice in notice_preferences_get(actor=actor)
        }
        try:
            notice_preferences_set(actor=actor, channels=channels, language=form.cleaned_data["language"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your notice settings are saved."))
            return redirect("notice-preferences")
    return render(
        request,
        "hazards/notice_preferences.html",
        {"form": form, "choices": notice_preferences_get(actor=actor)},
    )


class WebhookForm(forms.Form):
    url = forms.URLField(label=gettext_lazy("Webhook URL"), max_length=500, assume_scheme="https")
    body_template = forms.CharField(
        label=gettext_lazy("JSON body template"), widget=forms.Textarea(attrs={"rows": 5})
    )
    secret = forms.CharField(
        label=gettext_lazy("Signing secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Leave empty to keep the stored secret."),
    )
    remove_secret = forms.BooleanField(label=gettext_lazy("Remove the signing secret"), required=False)
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)


@login_required
def notice_deliveries_page(request: HttpRequest) -> HttpResponse:
    """The tenant's outbox, failed deliveries first, and its webhook's settings."""
    actor = actor_of(request)
    require_role(actor, ADMIN_ONLY, _("Only the tenant administrator sees the notice outbox."))
    hook = NoticeWebhook.objects.visible_to(actor).first()
    initial = (
        {"url": hook.url, "body_template": hook.body_template, "is_active": hook.is_active}
        if hook
        else {"body_template": '{"mobile": "{phone}", "content": "{title}: {text} {url}"}', "is_active": True}
    )
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            notice_webhook_set(
                actor=actor,
                url=data["url"],
                body_template=data["body_template"],
                secret="" if data["remove_secret"] else (data["secret"] or None),
                is_active=data["is_active"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The webhook is saved."))
            return redirect("notice-deliveries")
    status = request.GET.get("status", DeliveryStatus.FAILED)
    if status not in DeliveryStatus.values:
        status = DeliveryStatus.FAILED
    deliveries = (
        NoticeDelivery.objects.visible_to(actor)
        .filter(status=status)
        .select_related("user", "notification")
        .order_by("-created_at", "-id")[:200]
    )
    return render(
        request,
        "hazards/notice_deliveries.html",
        {
            "form": form,
            "hook": hook,
            "deliveries": deliveries,
            "status": status,
            "statuses": DeliveryStatus.choices,
            "placeholders": [f"{{{name}}}" for name in PLACEHOLDERS],
        },
    )


@login_required
@require_POST
def notice_delivery_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    delivery = NoticeDelivery.objects.get_visible(actor, pk=pk)
    notice_delivery_retry(actor=actor, delivery=delivery)
    messages.success(request, _("The delivery will be sent again now."))
    return redirect("notice-deliveries")
