"""The admin site, its index laid out in the order of a purchase.

One table, SECTIONS, puts every registered model in a section: from the buyer's brief and
the builds, through vendors, quotes, orders and acceptance, to the reference data the
landed cost reads and the security tables. The index and the navigation sidebar show the
sections in that order; an application's own page (/admin/quotes/) stays as Django makes it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

# (key, name, models as "app_label.model_name" in the order a person meets them)
SECTIONS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    (
        "brief",
        _("Brief and builds"),
        (
            "procurement.requirements",
            "procurement.build",
            "procurement.buildline",
            "procurement.pricetarget",
            "procurement.estimaterefresh",
        ),
    ),
    (
        "catalog",
        _("Vendors and catalog"),
        ("procurement.vendor", "procurement.component", "procurement.priceobservation"),
    ),
    ("quotes", _("Quotes"), ("quotes.quoterequest", "quotes.quote", "quotes.quoterevision")),
    (
        "orders",
        _("Orders and deliveries"),
        (
            "procurement.order",
            "procurement.orderline",
            "procurement.deliveredunit",
            "procurement.calendarfeed",
        ),
    ),
    (
        "acceptance",
        _("Acceptance"),
        ("procurement.acceptancechecklist", "procurement.acceptanceitem"),
    ),
    (
        "notices",
        _("Notices"),
        ("procurement.notice", "procurement.notificationsettings"),
    ),
    (
        "reference",
        _("Reference data"),
        (
            "quotes.exchangerate",
            "quotes.vatrate",
            "quotes.dutyrate",
            "quotes.carrier",
            "quotes.clearancefeeschedule",
        ),
    ),
    (
        "security",
        _("Security"),
        (
            "axes.accessattempt",
            "axes.accessfailurelog",
            "axes.accesslog",
            "otp_totp.totpdevice",
            "auth.user",
            "auth.group",
        ),
    ),
)
# Where a model missing from SECTIONS is shown, so that it never disappears from the index.
OTHER = ("other", _("Other"))


def model_key(model: type) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def sectioned(app_dict: dict[str, dict[str, Any]], index_url: str) -> list[dict[str, Any]]:
    """Django's app list (one entry an application) regrouped into SECTIONS, in their order.

    A section has the keys of an application's entry, so the admin's templates show it as
    they show an application; its caption links to the section's first row on the index.
    """
    entries = {
        model_key(entry["model"]): entry for app in app_dict.values() for entry in app["models"]
    }
    placed = {key for *_, keys in SECTIONS for key in keys}
    others = tuple(sorted(set(entries) - placed))
    sections = []
    for key, name, keys in (*SECTIONS, (*OTHER, others)):
        models = [entries[model] for model in keys if model in entries]
        if not models:
            continue
        label = f"section-{key}"
        sections.append(
            {
                "name": name,
                "app_label": label,
                # The admin's app_list.html gives each row the id "<app_label>-<model>".
                "app_url": f"{index_url}#{label}-{models[0]['object_name'].lower()}",
                "has_module_perms": True,
                "models": models,
            }
        )
    return sections


class ProcurementAdminSite(admin.AdminSite):
    site_header = _("Workstation procurement desk")
    site_title = _("Procurement desk")
    index_title = _("Quotes, builds and orders")
    # The start page is linked as such on every page (templates/admin/base_site.html).
    site_url = None

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        if app_label:
            return super().get_app_list(request, app_label)
        return sectioned(self._build_app_dict(request), reverse("admin:index"))


class ProcurementOTPAdminSite(OTPAdminSite, ProcurementAdminSite):
    """The same site whose login form also asks for the one-time code (DJANGO_ADMIN_OTP)."""
