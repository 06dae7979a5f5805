"""Who may change what, everywhere: every admin action, every admin change and add form, the
admin's own pages and the site's pages, posted as a Viewer, a Buyer, an Approver, a staff user
in no group and an administrator. Each row says exactly who may; a refused post changes no
row of the database. The actions and pages are found in the admin registry and the URL
configuration, so one without a row here fails the test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from djmoney.money import Money

from procurement import services
from procurement.acceptance.models import AcceptanceChecklist, AcceptanceItem
from procurement.models import (
    Build,
    BuildLine,
    CalendarFeed,
    Component,
    EstimateRefresh,
    Order,
    OrderLine,
    PriceObservation,
    PriceTarget,
    Vendor,
)
from procurement.notices.models import Notice, NotificationSettings
from procurement.order_flow import LineStatus, flow_for
from quotes.models import (
    Carrier,
    ClearanceFeeSchedule,
    DutyRate,
    ExchangeRate,
    Quote,
    QuoteRequest,
    QuoteRevision,
    VatRate,
)
from tests import comparison_helpers
from tests.acceptance_helpers import complete_checklist, delivered_build, report
from tests.admin_forms import rendered_form_data
from tests.database import database_rows
from tests.factories import (
    BuildFactory,
    BuildLineFactory,
    CarrierFactory,
    ClearanceFeeScheduleFactory,
    ComponentFactory,
    DutyRateFactory,
    ExchangeRateFactory,
    NoticeFactory,
    NotificationSettingsFactory,
    OrderFactory,
    OrderLineFactory,
    PriceObservationFactory,
    QuoteFactory,
    RequirementsFactory,
    UserFactory,
    VatRateFactory,
    VendorFactory,
    accepted_revision_for,
    administrator,
    estimate_refresh,
    price_target,
    revision_through_services,
    user_in_role,
)
from tests.order_steps import walk
from tests.quote_request_helpers import build_to_ask_about, open_request

pytestmark = pytest.mark.django_db

ACTORS = ("Viewer", "Buyer", "Approver", "no group", "administrator")
NOBODY = frozenset({"administrator"})
BUYERS = frozenset({"Buyer", "Approver", "administrator"})
APPROVERS = frozenset({"Approver", "administrator"})
READERS = frozenset({"Viewer", "Buyer", "Approver", "administrator"})
EVERYONE = frozenset(ACTORS)  # each for themselves: their own notification settings


def actor(name: str):
    if name == "administrator":
        return administrator()
    if name == "no group":
        return UserFactory(username="staff-in-no-group", is_staff=True)
    return user_in_role(name, username=name.lower())


@pytest.fixture(autouse=True)
def _rules(swiss_rules, media_root):
    """VAT and duty for the revisions' landed cost; uploads in the test's own folder."""


@dataclass
class Scenario:
    """What one row posts: to `url` (the list for an action), and how to see it was done."""

    done: Callable[[object], bool]
    selected: list = field(default_factory=list)
    data: dict = field(default_factory=dict)
    url: str = ""


@dataclass(frozen=True)
class Row:
    may: frozenset[str]
    make: Callable[[object], Scenario]


def is_pdf(response) -> bool:
    return response.status_code == 200 and response["Content-Type"] == "application/pdf"


def gone(model, pk) -> Callable[[object], bool]:
    return lambda response: not model._base_manager.filter(pk=pk).exists()


def deleting(make_record) -> Callable[[object], Scenario]:
    def make(user):
        record = make_record()
        return Scenario(
            selected=[record.pk], data={"post": "yes"}, done=gone(type(record), record.pk)
        )

    return make


# Admin actions -----------------------------------------------------------------------------


def line_before(target: LineStatus):
    """A line of a part without serial numbers, one step before `target`."""
    order = OrderFactory(ship_from="DE" if target == LineStatus.AT_CUSTOMS else "CH")
    line = OrderLineFactory(order=order, component=ComponentFactory())
    steps = flow_for(order.crosses_border)
    return walk(line, steps[steps.index(target) - 1])


def advancing(target: LineStatus):
    def make(user):
        line = line_before(target)
        today = timezone.localdate().isoformat()

        def done(response):
            line.refresh_from_db()
            return line.status == target

        return Scenario(selected=[line.pk], data={"apply": "1", "on": today}, done=done)

    return make


def own_calendar(user) -> CalendarFeed:
    return services.calendar_feed_issue(user=administrator(), for_user=user).feed


def revoking(user):
    feed = own_calendar(user)
    return Scenario(
        selected=[feed.pk],
        done=lambda response: CalendarFeed.objects.get(pk=feed.pk).revoked_at is not None,
    )


def reissuing(user):
    feed = own_calendar(user)
    return Scenario(
        selected=[feed.pk],
        done=lambda response: CalendarFeed.objects.filter(user=user).count() == 2,
    )


def signing_off(user):
    checklist = delivered_build().acceptance
    complete_checklist(checklist)
    return Scenario(
        selected=[checklist.pk],
        done=lambda response: AcceptanceChecklist.objects.get(pk=checklist.pk).status == "signed",
    )


def protocol(user):
    return Scenario(selected=[delivered_build().acceptance.pk], done=is_pdf)


def making_checklists(user):
    build = delivered_build()
    AcceptanceChecklist.objects.filter(build=build).delete()
    return Scenario(
        selected=[build.pk],
        done=lambda response: AcceptanceChecklist.objects.filter(build=build).exists(),
    )


def build_comparison(user):
    comparison_helpers.rules()
    return Scenario(selected=[comparison_helpers.build().pk], done=is_pdf)


def quote_comparison(user):
    quote = comparison_helpers.usd_quote(carrier=comparison_helpers.rules())
    return Scenario(selected=[quote.pk], done=is_pdf)


def refreshing_estimates(user):
    line = BuildLineFactory(estimated_unit_price=Money("100.00", "CHF"))
    PriceObservationFactory(component=line.component, price=Money("90.00", "CHF"))
    return Scenario(
        selected=[line.build_id],
        done=lambda response: line.build.estimate_refreshes.exists(),
    )


def exporting(make_record, file_format: str):
    """An export of one selected row: a file to download, nothing changed."""
    content_type = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats"}[file_format]

    def make(user):
        record = make_record()
        return Scenario(
            selected=[record.pk],
            done=lambda response: (
                response.status_code == 200 and response["Content-Type"].startswith(content_type)
            ),
        )

    return make


def moving_build(start: str, end: str):
    def make(user):
        build = BuildFactory(status=start)
        return Scenario(
            selected=[build.pk], done=lambda response: Build.objects.get(pk=build.pk).status == end
        )

    return make


def revision_in(status: str, **data):
    """A revision that can be decided today, and the status the action leaves it in."""
    targets = {
        "receive_revisions": "received",
        "accept_revisions": "accepted",
        "reject_revisions": "rejected",
    }

    def make_for(action: str):
        def make(user):
            today = timezone.localdate()
            revision = revision_through_services(
                status=status, issued_on=today - timedelta(days=1), valid_until=today
            )

            def done(response):
                return QuoteRevision.objects.get(pk=revision.pk).status == targets[action]

            return Scenario(selected=[revision.pk], data=data, done=done)

        return make

    return make_for


def new_revision(user):
    quote = revision_through_services().quote
    return Scenario(selected=[quote.pk], done=lambda response: quote.revisions.count() == 2)


def accepted_for_a_build():
    build = BuildFactory()
    part = ComponentFactory()
    BuildLineFactory(for_build=build, component=part)
    return accepted_revision_for(build, parts=[(part, 1, "10.00")])


def ordering(user):
    revision = accepted_for_a_build()
    return Scenario(
        selected=[revision.pk],
        done=lambda response: Order.objects.filter(revision=revision).exists(),
    )


def paying(user):
    revision = accepted_for_a_build()
    return Scenario(
        selected=[revision.pk],
        done=lambda response: QuoteRevision.objects.get(pk=revision.pk).paid_on is not None,
    )


def access_attempt() -> AccessAttempt:
    return AccessAttempt.objects.create(
        user_agent="curl",
        ip_address="203.0.113.7",
        username="admin",
        http_accept="*/*",
        path_info="/admin/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )


def access_log() -> AccessLog:
    return AccessLog.objects.create(
        user_agent="curl",
        ip_address="203.0.113.7",
        username="admin",
        http_accept="*/*",
        path_info="/admin/login/",
    )


def access_failure() -> AccessFailureLog:
    return AccessFailureLog.objects.create(
        user_agent="curl",
        ip_address="203.0.113.7",
        username="admin",
        http_accept="*/*",
        path_info="/admin/login/",
    )


def cleaning_attempts(user):
    attempt = access_attempt()
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=timezone.now() - timedelta(days=2)
    )
    return Scenario(selected=[attempt.pk], done=gone(AccessAttempt, attempt.pk))


def totp_device():
    return TOTPDevice.objects.create(user=UserFactory(), name="phone")


def retrying(user):
    notice = NoticeFactory(status=Notice.Status.FAILED, last_error="550 mailbox unavailable")
    return Scenario(
        selected=[notice.pk],
        done=lambda response: Notice.objects.get(pk=notice.pk).status != Notice.Status.FAILED,
    )


def requesting_quotes(user):
    build, vendor = build_to_ask_about()
    answer_by = (timezone.localdate() + timedelta(days=10)).isoformat()
    return Scenario(
        selected=[build.pk],
        data={"_confirm": "1", "vendors": [vendor.pk], "answer_by": answer_by},
        done=lambda response: QuoteRequest.objects.filter(build=build, vendor=vendor).exists(),
    )


def linking_answers(user):
    request = open_request(answered_before=True)
    return Scenario(
        selected=[request.pk],
        done=lambda response: QuoteRequest.objects.get(pk=request.pk).status == "answered",
    )


def declining_requests(user):
    request = open_request()
    return Scenario(
        selected=[request.pk],
        data={"_confirm": "1", "reason": "No stock before May"},
        done=lambda response: QuoteRequest.objects.get(pk=request.pk).status == "declined",
    )


def sending_again(user):
    request = open_request()  # its e-mail waits for the commit, which a test never makes
    return Scenario(
        selected=[request.pk],
        done=lambda response: QuoteRequest.objects.get(pk=request.pk).emailed_at is not None,
    )


ACTIONS: dict[tuple[str, str], Row] = {
    # The order board moves lines on, a Buyer's work.
    ("procurement.OrderLine", "advance_to_next_step"): Row(BUYERS, advancing(LineStatus.ORDERED)),
    ("procurement.OrderLine", "mark_ordered"): Row(BUYERS, advancing(LineStatus.ORDERED)),
    ("procurement.OrderLine", "mark_confirmed"): Row(BUYERS, advancing(LineStatus.CONFIRMED)),
    ("procurement.OrderLine", "mark_shipped"): Row(BUYERS, advancing(LineStatus.SHIPPED)),
    ("procurement.OrderLine", "mark_at_customs"): Row(BUYERS, advancing(LineStatus.AT_CUSTOMS)),
    ("procurement.OrderLine", "mark_delivered"): Row(BUYERS, advancing(LineStatus.DELIVERED)),
    ("procurement.OrderLine", "mark_installed"): Row(BUYERS, advancing(LineStatus.INSTALLED)),
    # Exports: for whoever may read the list (quotes and revisions: whoever may read prices).
    ("procurement.OrderLine", "export_csv"): Row(READERS, exporting(OrderLineFactory, "csv")),
    ("procurement.OrderLine", "export_xlsx"): Row(READERS, exporting(OrderLineFactory, "xlsx")),
    ("procurement.PriceObservation", "export_csv"): Row(
        READERS, exporting(PriceObservationFactory, "csv")
    ),
    ("procurement.PriceObservation", "export_xlsx"): Row(
        READERS, exporting(PriceObservationFactory, "xlsx")
    ),
    ("quotes.Quote", "export_csv"): Row(
        READERS, exporting(lambda: revision_through_services().quote, "csv")
    ),
    ("quotes.Quote", "export_xlsx"): Row(
        READERS, exporting(lambda: revision_through_services().quote, "xlsx")
    ),
    ("quotes.QuoteRevision", "export_csv"): Row(
        READERS, exporting(revision_through_services, "csv")
    ),
    ("quotes.QuoteRevision", "export_xlsx"): Row(
        READERS, exporting(revision_through_services, "xlsx")
    ),
    # One's own calendar address.
    ("procurement.CalendarFeed", "revoke"): Row(BUYERS, revoking),
    ("procurement.CalendarFeed", "issue_new"): Row(BUYERS, reissuing),
    # Acceptance: the sign-off is the Approver's; the protocol is for every reader.
    ("procurement.AcceptanceChecklist", "sign_off"): Row(APPROVERS, signing_off),
    ("procurement.AcceptanceChecklist", "protocol"): Row(READERS, protocol),
    # Builds.
    ("procurement.Build", "comparison_sheet"): Row(READERS, build_comparison),
    ("procurement.Build", "make_acceptance_checklists"): Row(BUYERS, making_checklists),
    ("procurement.Build", "choose_builds"): Row(BUYERS, moving_build("candidate", "chosen")),
    ("procurement.Build", "drop_builds"): Row(BUYERS, moving_build("chosen", "dropped")),
    ("procurement.Build", "reconsider_builds"): Row(BUYERS, moving_build("dropped", "candidate")),
    ("procurement.Build", "delete_selected"): Row(NOBODY, deleting(BuildFactory)),
    ("procurement.Build", "request_quotes_for_builds"): Row(BUYERS, requesting_quotes),
    # Requests for quotation: answers and declines are recorded by Buyers.
    ("quotes.QuoteRequest", "link_received_quotes"): Row(BUYERS, linking_answers),
    ("quotes.QuoteRequest", "decline_requests"): Row(BUYERS, declining_requests),
    ("quotes.QuoteRequest", "send_again"): Row(BUYERS, sending_again),
    ("procurement.Build", "refresh_estimates"): Row(BUYERS, refreshing_estimates),
    ("procurement.PriceTarget", "delete_selected"): Row(NOBODY, deleting(price_target)),
    # Quotes and revisions.
    ("quotes.Quote", "new_revision"): Row(BUYERS, new_revision),
    ("quotes.Quote", "comparison_sheet"): Row(READERS, quote_comparison),
    ("quotes.QuoteRevision", "receive_revisions"): Row(
        BUYERS, revision_in("draft")("receive_revisions")
    ),
    ("quotes.QuoteRevision", "accept_revisions"): Row(
        APPROVERS, revision_in("received")("accept_revisions")
    ),
    ("quotes.QuoteRevision", "reject_revisions"): Row(
        APPROVERS, revision_in("received", reason="Lead time", _confirm="1")("reject_revisions")
    ),
    ("quotes.QuoteRevision", "order_selected_revisions"): Row(BUYERS, ordering),
    ("quotes.QuoteRevision", "record_payments"): Row(BUYERS, paying),
    # Deleting is an administrator's: catalog, reference data, accounts, lockouts.
    ("procurement.Vendor", "delete_selected"): Row(NOBODY, deleting(VendorFactory)),
    ("procurement.Component", "delete_selected"): Row(NOBODY, deleting(ComponentFactory)),
    ("procurement.PriceObservation", "delete_selected"): Row(
        NOBODY, deleting(PriceObservationFactory)
    ),
    ("procurement.Requirements", "delete_selected"): Row(NOBODY, deleting(RequirementsFactory)),
    ("procurement.BuildLine", "delete_selected"): Row(NOBODY, deleting(BuildLineFactory)),
    ("quotes.ExchangeRate", "delete_selected"): Row(NOBODY, deleting(ExchangeRateFactory)),
    ("quotes.VatRate", "delete_selected"): Row(
        NOBODY, deleting(lambda: VatRateFactory(valid_from=timezone.localdate()))
    ),
    ("quotes.DutyRate", "delete_selected"): Row(
        NOBODY, deleting(lambda: DutyRateFactory(valid_from=timezone.localdate()))
    ),
    ("quotes.Carrier", "delete_selected"): Row(
        NOBODY, deleting(lambda: CarrierFactory(slug="dhl"))
    ),
    ("quotes.ClearanceFeeSchedule", "delete_selected"): Row(
        NOBODY, deleting(ClearanceFeeScheduleFactory)
    ),
    ("procurement.Notice", "retry"): Row(BUYERS, retrying),
    ("procurement.NotificationSettings", "delete_selected"): Row(
        NOBODY, deleting(NotificationSettingsFactory)
    ),
    ("auth.User", "delete_selected"): Row(NOBODY, deleting(UserFactory)),
    ("auth.Group", "delete_selected"): Row(
        NOBODY, deleting(lambda: Group.objects.create(name="Auditors"))
    ),
    ("otp_totp.TOTPDevice", "delete_selected"): Row(NOBODY, deleting(totp_device)),
    ("axes.AccessAttempt", "delete_selected"): Row(NOBODY, deleting(access_attempt)),
    ("axes.AccessAttempt", "cleanup_expired_attempts"): Row(NOBODY, cleaning_attempts),
    ("axes.AccessLog", "delete_selected"): Row(NOBODY, deleting(access_log)),
    ("axes.AccessFailureLog", "delete_selected"): Row(NOBODY, deleting(access_failure)),
}


def superuser_request():
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(username="registry-reader", is_staff=True, is_superuser=True)
    return request


def test_every_admin_action_has_a_row():
    request = superuser_request()
    found = {
        (model._meta.label, name)
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.get_actions(request)
    }

    assert found == set(ACTIONS)


def test_every_action_of_the_desk_declares_who_may_run_it():
    request = superuser_request()
    undeclared = [
        (model._meta.label, name)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ("procurement", "quotes")
        for name, (function, *_) in model_admin.get_actions(request).items()
        if not getattr(function, "allowed_permissions", None)
    ]

    assert undeclared == []


def changelist(model_label: str) -> str:
    app_label, model_name = model_label.lower().split(".")
    return reverse(f"admin:{app_label}_{model_name}_changelist")


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("key", list(ACTIONS), ids=lambda key: f"{key[0]}.{key[1]}")
def test_each_admin_action_runs_only_for_who_may(client, key, who):
    model_label, action = key
    row = ACTIONS[key]
    user = actor(who)
    scenario = row.make(user)
    client.force_login(user)
    before = database_rows()

    response = client.post(
        changelist(model_label),
        {"action": action, "_selected_action": scenario.selected, **scenario.data},
    )

    assert response.status_code < 500
    if who in row.may:
        assert scenario.done(response), f"{who} may {action} but nothing happened"
    else:
        assert database_rows() == before, f"{who} may not {action} but something changed"


# The admin's own pages ---------------------------------------------------------------------


def receiving(user):
    line = walk(OrderLineFactory(order=OrderFactory()), LineStatus.SHIPPED)
    return Scenario(
        url=reverse("admin:procurement_orderline_receive", args=[line.pk]),
        data={"quantity": 1, "received_on": timezone.localdate().isoformat()},
        done=lambda response: OrderLine.objects.get(pk=line.pk).status == LineStatus.DELIVERED,
    )


def closing(user):
    line = OrderLineFactory(order=OrderFactory())
    return Scenario(
        url=reverse("admin:procurement_orderline_close", args=[line.pk]),
        data={"exit": "cancelled", "reason": "Sold out", "on": timezone.localdate().isoformat()},
        done=lambda response: OrderLine.objects.get(pk=line.pk).status == LineStatus.CANCELLED,
    )


def adding_evidence(user):
    checklist = delivered_build().acceptance
    return Scenario(
        url=reverse("admin:procurement_acceptancechecklist_evidence", args=[checklist.pk]),
        data={"file": SimpleUploadedFile("meter.txt", b"41 dB(A) at 1 m", "text/plain")},
        done=lambda response: checklist.evidence.count() == 1,
    )


def importing_smi(user):
    checklist = delivered_build().acceptance
    report_file = SimpleUploadedFile("smi.xml", report("rtx-pro-6000.xml"), "text/xml")
    return Scenario(
        url=reverse("admin:procurement_acceptancechecklist_nvidia_smi", args=[checklist.pk]),
        data={"file": report_file},
        done=lambda response: checklist.items.filter(kind="gpu_model", result="pass").exists(),
    )


def ssh_item(user) -> AcceptanceItem:
    return delivered_build().acceptance.items.get(kind="ssh")


def recording(user):
    item = ssh_item(user)
    return Scenario(
        url=reverse("admin:procurement_acceptanceitem_record", args=[item.pk]),
        data={"result": "pass", "measured_value": "ssh ok"},
        done=lambda response: AcceptanceItem.objects.get(pk=item.pk).result == "pass",
    )


def waiving(user):
    item = ssh_item(user)
    return Scenario(
        url=reverse("admin:procurement_acceptanceitem_waive", args=[item.pk]),
        data={"reason": "No network at the site"},
        done=lambda response: AcceptanceItem.objects.get(pk=item.pk).waived_reason != "",
    )


def changing_password(user):
    other = UserFactory(username="someone")
    return Scenario(
        url=reverse("admin:auth_user_password_change", args=[other.pk]),
        data={"password1": "a-new-long-pass-99", "password2": "a-new-long-pass-99"},
        done=lambda response: (
            type(other).objects.get(pk=other.pk).check_password("a-new-long-pass-99")
        ),
    )


def reading(url_of) -> Callable[[object], Scenario]:
    """A page that only shows: a post to it changes nothing, for anyone."""

    def make(user):
        return Scenario(url=url_of(), done=lambda response: False)

    return make


def quote_compare_url():
    return reverse("admin:quotes_quote_compare", args=[revision_through_services().quote_id])


def history_form_url(model):
    def url():
        revision = revision_through_services()
        record = revision.history.first()
        obj = revision if model is QuoteRevision else revision.quote
        if model is Quote:
            record = obj.history.first()
        name = f"admin:quotes_{model._meta.model_name}_simple_history"
        return reverse(name, args=[obj.pk, record.history_id])

    return url


def device_url(name):
    return lambda: reverse(f"admin:otp_totp_totpdevice_{name}", args=[totp_device().pk])


ADMIN_PAGES: dict[str, Row] = {
    "procurement_orderline_receive": Row(BUYERS, receiving),
    "procurement_orderline_close": Row(BUYERS, closing),
    "procurement_acceptancechecklist_evidence": Row(BUYERS, adding_evidence),
    "procurement_acceptancechecklist_nvidia_smi": Row(BUYERS, importing_smi),
    "procurement_acceptanceitem_record": Row(BUYERS, recording),
    "procurement_acceptanceitem_waive": Row(APPROVERS, waiving),
    "auth_user_password_change": Row(NOBODY, changing_password),
    "quotes_quote_compare": Row(frozenset(), reading(quote_compare_url)),
    "quotes_quote_simple_history": Row(frozenset(), reading(history_form_url(Quote))),
    "quotes_quoterevision_simple_history": Row(
        frozenset(), reading(history_form_url(QuoteRevision))
    ),
    "otp_totp_totpdevice_config": Row(frozenset(), reading(device_url("config"))),
    "otp_totp_totpdevice_qrcode": Row(frozenset(), reading(device_url("qrcode"))),
}
STANDARD_PAGES = ("changelist", "add", "history", "delete", "change", "autocomplete")


def test_every_page_of_the_admin_has_a_row():
    found = set()
    for model, model_admin in admin.site._registry.items():
        standard = {
            f"{model._meta.app_label}_{model._meta.model_name}_{page}" for page in STANDARD_PAGES
        }
        found |= {
            url.name for url in model_admin.get_urls() if url.name and url.name not in standard
        }

    assert found == set(ADMIN_PAGES)


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("name", list(ADMIN_PAGES))
def test_each_page_of_the_admin_changes_data_only_for_who_may(client, name, who):
    row = ADMIN_PAGES[name]
    user = actor(who)
    scenario = row.make(user)
    client.force_login(user)
    before = database_rows()

    response = client.post(scenario.url, scenario.data)

    assert response.status_code < 500
    if who in row.may:
        assert scenario.done(response), f"{who} may post to {name} but nothing happened"
    else:
        assert database_rows() == before, f"{who} may not post to {name} but something changed"


# Change forms ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    may: frozenset[str]
    make: Callable[[object], object]
    field: str | None  # a text field to change; None for a page with none


def draft_revision(user):
    return revision_through_services(status="draft")


CHANGE_FORMS: dict[str, Form] = {
    "procurement.Vendor": Form(BUYERS, lambda user: VendorFactory(), "notes"),
    "procurement.Component": Form(BUYERS, lambda user: ComponentFactory(), "notes"),
    "procurement.PriceObservation": Form(BUYERS, lambda user: PriceObservationFactory(), "note"),
    "procurement.Build": Form(BUYERS, lambda user: BuildFactory(), "notes"),
    "procurement.BuildLine": Form(BUYERS, lambda user: BuildLineFactory(), "note"),
    "procurement.Order": Form(BUYERS, lambda user: OrderFactory(), "note"),
    "procurement.OrderLine": Form(BUYERS, lambda user: OrderLineFactory(), "note"),
    "procurement.DeliveredUnit": Form(
        BUYERS,
        lambda user: walk(OrderLineFactory(), LineStatus.DELIVERED).units.get(),
        "serial_number",
    ),
    "procurement.CalendarFeed": Form(BUYERS, own_calendar, None),
    "procurement.PriceTarget": Form(BUYERS, lambda user: price_target(), None),
    "procurement.EstimateRefresh": Form(frozenset(), lambda user: estimate_refresh(), None),
    "procurement.Requirements": Form(NOBODY, lambda user: RequirementsFactory(), "notes"),
    "procurement.AcceptanceChecklist": Form(
        frozenset(), lambda user: delivered_build().acceptance, None
    ),
    "procurement.AcceptanceItem": Form(frozenset(), ssh_item, None),
    "quotes.Quote": Form(BUYERS, lambda user: QuoteFactory(), "note"),
    "quotes.QuoteRevision": Form(BUYERS, draft_revision, "note"),
    "quotes.QuoteRequest": Form(BUYERS, lambda user: open_request(), None),
    "quotes.ExchangeRate": Form(NOBODY, lambda user: ExchangeRateFactory(), "note"),
    "quotes.VatRate": Form(NOBODY, lambda user: VatRate.objects.get(), "source"),
    "quotes.DutyRate": Form(NOBODY, lambda user: DutyRate.objects.get(), "description"),
    "quotes.Carrier": Form(NOBODY, lambda user: CarrierFactory(), "name"),
    "quotes.ClearanceFeeSchedule": Form(
        NOBODY, lambda user: ClearanceFeeScheduleFactory(), "source"
    ),
    "procurement.Notice": Form(frozenset(), lambda user: NoticeFactory(), None),
    "procurement.NotificationSettings": Form(
        EVERYONE, lambda user: NotificationSettingsFactory(user=user), None
    ),
    "auth.User": Form(NOBODY, lambda user: UserFactory(), "first_name"),
    "auth.Group": Form(NOBODY, lambda user: Group.objects.create(name="Auditors"), "name"),
    "otp_totp.TOTPDevice": Form(NOBODY, lambda user: totp_device(), "name"),
    "axes.AccessAttempt": Form(NOBODY, lambda user: access_attempt(), None),
    "axes.AccessLog": Form(NOBODY, lambda user: access_log(), None),
    "axes.AccessFailureLog": Form(NOBODY, lambda user: access_failure(), None),
}


def test_every_registered_model_has_a_change_form_row():
    assert {model._meta.label for model in admin.site._registry} == set(CHANGE_FORMS)


def admin_url(record, page: str) -> str:
    meta = record._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{page}", args=[record.pk])


def form_as_shown(record) -> dict[str, list[str]]:
    """What the change page posts back as an administrator sees it."""
    reader = Client()
    reader.force_login(administrator())
    page = reader.get(admin_url(record, "change")).content.decode()
    return rendered_form_data(page, f"{record._meta.model_name}_form")


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("label", list(CHANGE_FORMS))
def test_each_change_form_saves_only_for_who_may(client, label, who):
    form = CHANGE_FORMS[label]
    user = actor(who)
    record = form.make(user)
    data = form_as_shown(record)
    if form.field:
        data[form.field] = ["Changed in the role table"]
    client.force_login(user)
    before = database_rows()

    response = client.post(admin_url(record, "change"), data)

    assert response.status_code < 500
    if who in form.may:
        assert response.status_code == 302, response.context and response.context.get("errors")
        if form.field:
            saved = type(record)._base_manager.get(pk=record.pk)
            assert getattr(saved, form.field) == "Changed in the role table"
    else:
        assert database_rows() == before, f"{who} may not change {label} but something changed"


# Add forms ---------------------------------------------------------------------------------


def add_data(**fields):
    return lambda user: fields


def build_added(user):
    return {
        "slug": "new-build",
        "code": "N",
        "name": "New build",
        "status": "accepted",  # not taken: a new build is a candidate
        "noise_class": "quiet",
        "system_power_w": 0,
        "lines-TOTAL_FORMS": 0,
        "lines-INITIAL_FORMS": 0,
    }


def order_added(user):
    return {
        "build": BuildFactory().pk,
        "vendor": VendorFactory().pk,
        "currency": "CHF",
        "ship_from": "CH",
        "vendor_reference": "BR-991",
        "note": "",
        "lines-TOTAL_FORMS": 0,
        "lines-INITIAL_FORMS": 0,
        "lines-2-TOTAL_FORMS": 0,
        "lines-2-INITIAL_FORMS": 0,
    }


def revision_added(user):
    today = timezone.localdate()
    return {
        "quote": QuoteFactory(reference="ADDED-1").pk,
        "issued_on": today.isoformat(),
        "valid_until": (today + timedelta(days=30)).isoformat(),
        "currency": "CHF",
        "prices_include_vat": "on",
        "shipping": "0.00",
        "ship_from": "CH",
        "loaded_version": 1,
        "note": "",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-0-position": 1,
        "lines-0-description": "Workstation",
        "lines-0-quantity": 1,
        "lines-0-unit_price": "1081.00",
    }


@dataclass(frozen=True)
class Added:
    may: frozenset[str]
    data: Callable[[object], dict]
    made: Callable[[object], bool]


def exists(model, **lookup):
    return lambda user: model._base_manager.filter(**lookup).exists()


ADD_FORMS: dict[str, Added] = {
    "procurement.Vendor": Added(
        BUYERS,
        add_data(
            name="Brack",
            slug="brack",
            kind="retailer",
            country="CH",
            default_currency="CHF",
            language="de",
            status="active",
            ships_to_switzerland="on",
            suits_brief="on",
            warranty_years_included=2,
            **{"warranty_options-TOTAL_FORMS": 0, "warranty_options-INITIAL_FORMS": 0},
        ),
        exists(Vendor, slug="brack"),
    ),
    "procurement.Component": Added(
        BUYERS,
        add_data(
            slug="rtx-5080", category="gpu", manufacturer="NVIDIA", model="RTX 5080", specs="{}"
        ),
        exists(Component, slug="rtx-5080"),
    ),
    "procurement.PriceObservation": Added(
        BUYERS,
        lambda user: {
            "component": ComponentFactory().pk,
            "vendor": VendorFactory().pk,
            "price_0": "99.00",
            "price_1": "CHF",
            "observed_on": "2026-02-16",
            "note": "role table",
        },
        exists(PriceObservation, note="role table"),
    ),
    "procurement.Build": Added(
        BUYERS, build_added, exists(Build, slug="new-build", status="candidate")
    ),
    "procurement.BuildLine": Added(
        BUYERS,
        lambda user: {
            "build": BuildFactory().pk,
            "component": ComponentFactory().pk,
            "quantity": 1,
            "estimated_unit_price_0": "10.00",
            "estimated_unit_price_1": "CHF",
            "note": "role table",
            "position": 1,
        },
        exists(BuildLine, note="role table"),
    ),
    "procurement.Order": Added(BUYERS, order_added, exists(Order, vendor_reference="BR-991")),
    "procurement.CalendarFeed": Added(
        BUYERS,
        lambda user: {"user": user.pk},
        lambda user: CalendarFeed.objects.filter(user=user).exists(),
    ),
    "procurement.Requirements": Added(
        NOBODY,
        add_data(
            slug="brief",
            name="Brief",
            budget_min_0="4000",
            budget_min_1="CHF",
            budget_max_0="15000",
            budget_max_1="CHF",
            vram_min_gb=96,
            vram_max_gb=256,
            circuit_watts=2300,
            noise_tolerance="quiet",
            throughput_min_tok_s=60,
            throughput_max_tok_s=80,
            throughput_model="GPT-OSS-120B",
            electricity_tariff="0.2770",
            electricity_tariff_source="ElCom 2026 median household tariff, profile H4",
            electricity_tariff_as_of="2026-01-01",
            hours_under_load_per_day="8.0",
            hours_idle_per_day="16.0",
        ),
        exists(apps.get_model("procurement", "Requirements"), slug="brief"),
    ),
    "quotes.Quote": Added(
        BUYERS,
        lambda user: {
            "vendor": VendorFactory().pk,
            "reference": "ROLE-1",
            "note": "",
            "revisions-TOTAL_FORMS": 0,
            "revisions-INITIAL_FORMS": 0,
        },
        exists(Quote, reference="ROLE-1"),
    ),
    "quotes.QuoteRevision": Added(
        BUYERS, revision_added, exists(QuoteRevision, quote__reference="ADDED-1")
    ),
    "quotes.ExchangeRate": Added(
        NOBODY,
        add_data(currency="EUR", rate_date="2026-02-17", chf_per_unit="0.94", source="manual"),
        exists(ExchangeRate, currency="EUR", rate_date="2026-02-17"),
    ),
    "quotes.VatRate": Added(
        NOBODY,
        add_data(valid_from="2030-01-01", rate_percent="8.50", import_vat_minimum_chf="5.00"),
        exists(VatRate, valid_from="2030-01-01"),
    ),
    "quotes.DutyRate": Added(
        NOBODY,
        add_data(valid_from="2030-01-01", chapter_from=25, chapter_to=97, rate_percent="1.00"),
        exists(DutyRate, valid_from="2030-01-01"),
    ),
    "quotes.Carrier": Added(
        NOBODY,
        add_data(
            name="Planzer",
            slug="planzer",
            **{"fee_schedules-TOTAL_FORMS": 0, "fee_schedules-INITIAL_FORMS": 0},
        ),
        exists(Carrier, slug="planzer"),
    ),
    "quotes.ClearanceFeeSchedule": Added(
        NOBODY,
        lambda user: {
            "carrier": CarrierFactory(slug="ups").pk,
            "valid_from": "2030-01-01",
            "basis": "customs_value",
            "base_fee_chf": "0.00",
            "percent": "3.00",
            "source": "role table",
            "seen_on": "2026-02-16",
        },
        exists(ClearanceFeeSchedule, source="role table"),
    ),
    "auth.User": Added(
        NOBODY,
        add_data(
            username="newcomer",
            password1="a-long-pass-99x",
            password2="a-long-pass-99x",
            usable_password="true",
        ),
        lambda user: type(user).objects.filter(username="newcomer").exists(),
    ),
    "auth.Group": Added(NOBODY, add_data(name="Auditors"), exists(Group, name="Auditors")),
    "otp_totp.TOTPDevice": Added(
        NOBODY,
        lambda user: {
            "user": UserFactory(username="phone-owner").pk,
            "name": "phone",
            "key": "3132333435363738393031323334353637383930",
            "step": 30,
            "t0": 0,
            "digits": 6,
            "tolerance": 1,
            "drift": 0,
            "last_t": -1,
            "throttling_failure_count": 0,
        },
        exists(TOTPDevice, name="phone"),
    ),
    "procurement.PriceTarget": Added(
        BUYERS,
        lambda user: {
            "build": (line := BuildLineFactory()).build_id,
            "component": line.component_id,
            "target_price_0": "1234.00",
            "target_price_1": "CHF",
            "owner": user.pk,
        },
        exists(PriceTarget, target_price=Decimal("1234.00")),
    ),
    # Made by the product, never added by hand.
    "procurement.EstimateRefresh": Added(frozenset(), add_data(), exists(EstimateRefresh)),
    "procurement.OrderLine": Added(frozenset(), add_data(description="x"), exists(OrderLine)),
    "procurement.DeliveredUnit": Added(
        frozenset(),
        add_data(serial_number="x"),
        exists(apps.get_model("procurement", "DeliveredUnit")),
    ),
    "procurement.AcceptanceChecklist": Added(frozenset(), add_data(), exists(AcceptanceChecklist)),
    "procurement.AcceptanceItem": Added(frozenset(), add_data(), exists(AcceptanceItem)),
    "procurement.Notice": Added(frozenset(), add_data(kind="quote_reminder"), exists(Notice)),
    "quotes.QuoteRequest": Added(
        frozenset(), add_data(answer_by="2030-01-01"), exists(QuoteRequest)
    ),
    "procurement.NotificationSettings": Added(
        EVERYONE,
        lambda user: {"user": user.pk, "muted_kinds": ["overdue_digest"]},
        lambda user: NotificationSettings.objects.filter(user=user).exists(),
    ),
    "axes.AccessAttempt": Added(frozenset(), add_data(username="x"), exists(AccessAttempt)),
    "axes.AccessLog": Added(frozenset(), add_data(username="x"), exists(AccessLog)),
    "axes.AccessFailureLog": Added(frozenset(), add_data(username="x"), exists(AccessFailureLog)),
}


def test_every_registered_model_has_an_add_form_row():
    assert {model._meta.label for model in admin.site._registry} == set(ADD_FORMS)


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("label", list(ADD_FORMS))
def test_each_add_form_adds_only_for_who_may(client, label, who):
    form = ADD_FORMS[label]
    user = actor(who)
    data = form.data(user)
    client.force_login(user)
    before = database_rows()

    response = client.post(reverse(f"admin:{label.lower().replace('.', '_')}_add"), data)

    assert response.status_code < 500
    if who in form.may:
        assert form.made(user), response.context and response.context["adminform"].form.errors
    else:
        assert database_rows() == before, f"{who} may not add {label} but something changed"


# The site's own pages ----------------------------------------------------------------------


def site_pages() -> list[str]:
    """The names of the site's URL patterns outside the admin."""
    names = []

    def walk_patterns(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name != "admin":
                    walk_patterns(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk_patterns(get_resolver().url_patterns)
    return names


# Every page of the site answers a post without changing data: the pages read, and the
# password reset sends an e-mail.
SITE_PAGES = {
    "home": lambda: reverse("home"),
    "healthz": lambda: reverse("healthz"),
    "calendar_feed": lambda: reverse("calendar_feed", args=[own_calendar_token()]),
    "acceptance_pdf": lambda: reverse("acceptance_pdf", args=[delivered_build().slug]),
    "acceptance_evidence": lambda: reverse("acceptance_evidence", args=["0" * 32]),
    "admin_password_reset": lambda: reverse("admin_password_reset"),
    "password_reset_done": lambda: reverse("password_reset_done"),
    "password_reset_confirm": lambda: reverse("password_reset_confirm", args=["MQ", "x-y"]),
    "password_reset_complete": lambda: reverse("password_reset_complete"),
    "quotes:comparison_pdf": lambda: reverse("quotes:comparison_pdf"),
    "quotes:comparison_xlsx": lambda: reverse("quotes:comparison_xlsx"),
    "set_language": lambda: reverse("set_language"),
    "quotes:revision_document": lambda: reverse("quotes:revision_document", args=["a" * 32]),
}


def own_calendar_token() -> str:
    buyer = user_in_role("Buyer", username="feed-owner")
    return services.calendar_feed_issue(user=buyer).token


def test_every_page_of_the_site_has_a_row():
    assert set(site_pages()) == set(SITE_PAGES)


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("name", list(SITE_PAGES))
def test_a_post_to_a_page_of_the_site_changes_nothing(client, name, who):
    url = SITE_PAGES[name]()
    client.force_login(actor(who))
    before = database_rows()

    response = client.post(url, {"email": "someone@example.ch"})

    assert response.status_code < 500
    assert database_rows() == before
