"""The admin's index follows the purchase, and every admin page links back to the start page."""

import re
from collections import Counter

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from procurement.admin_site import SECTIONS, ProcurementOTPAdminSite, model_key
from tests import factories

pytestmark = pytest.mark.django_db

# What a superuser reads on /admin/, section by section, row by row.
INDEX = [
    (
        "Brief and builds",
        ["Requirements", "Builds", "Build lines", "Price targets", "Estimate refreshes"],
    ),
    ("Vendors and catalog", ["Vendors", "Components", "Price observations"]),
    ("Quotes", ["Requests for quotation", "Quotes", "Quote revisions"]),
    ("Orders and deliveries", ["Orders", "Order lines", "Delivered units", "Calendar feeds"]),
    ("Acceptance", ["Acceptance checklists", "Acceptance items"]),
    ("Notices", ["Notices", "Notification settings"]),
    (
        "Reference data",
        ["Exchange rates", "VAT rates", "Duty rates", "Carriers", "Clearance fee schedules"],
    ),
    (
        "Security",
        ["Access attempts", "Access failures", "Access logs", "TOTP devices", "Users", "Groups"],
    ),
]
SECTION_RE = re.compile(r"<caption>\s*<a [^>]*>([^<]+)</a>\s*</caption>(.*?)</table>", re.S)
ROW_RE = re.compile(r'<th scope="row" id="[^"]+">\s*<a href="[^"]+">([^<]+)</a>')
START_LINK = '<a href="/">Start page</a>'


def index_sections(html: str) -> list[tuple[str, list[str]]]:
    return [(name, ROW_RE.findall(rows)) for name, rows in SECTION_RE.findall(html)]


def test_every_registered_model_is_in_exactly_one_section():
    placed = Counter(key for _key, _name, keys in SECTIONS for key in keys)
    registered = {model_key(model) for model in admin.site._registry}
    assert {key for key, count in placed.items() if count > 1} == set()
    assert registered - set(placed) == set(), "add the new model to a section of SECTIONS"
    assert set(placed) - registered == set(), "a section names a model the admin no longer has"


def test_index_shows_the_sections_in_the_order_of_a_purchase(staff_client):
    html = staff_client.get(reverse("admin:index")).content.decode()

    assert index_sections(html) == INDEX


def test_section_caption_leads_to_its_first_row_on_the_index(staff_client):
    html = staff_client.get(reverse("admin:index")).content.decode()

    assert '<a href="/admin/#section-quotes-quoterequest" class="section"' in html
    assert 'id="section-quotes-quoterequest"' in html


def test_a_viewer_sees_only_the_sections_of_what_they_may_view(client):
    viewer = factories.user_in_role("Viewer")
    client.force_login(viewer)

    html = client.get(reverse("admin:index")).content.decode()

    names = [name for name, _rows in index_sections(html)]
    assert names[:5] == [
        "Brief and builds",
        "Vendors and catalog",
        "Quotes",
        "Orders and deliveries",
        "Acceptance",
    ]
    assert "Users" not in html


def test_navigation_sidebar_shows_the_same_sections(staff_client):
    html = staff_client.get(reverse("admin:quotes_quote_changelist")).content.decode()

    sidebar = html[html.index('id="nav-sidebar"') :]
    assert [name for name, _rows in index_sections(sidebar)] == [name for name, _ in INDEX]
    # The row of the list open is marked, and only it.
    assert sidebar.count("current-model") == 1
    assert '<tr class="model-quote current-model">' in sidebar


def test_an_application_page_still_lists_its_own_models(staff_client):
    html = staff_client.get(reverse("admin:app_list", args=["quotes"])).content.decode()

    assert "Quotes and landed cost administration" in html
    assert "Exchange rates" in html
    assert "Quote revisions" in html


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:index",
        "admin:quotes_quote_changelist",
        "admin:quotes_quote_add",
        "admin:procurement_orderline_changelist",
        "admin:password_change",
    ],
)
def test_every_admin_page_links_to_the_start_page(staff_client, url_name):
    html = staff_client.get(reverse(url_name)).content.decode()

    assert html.count(START_LINK) == 1
    assert "View site" not in html


def test_a_change_page_links_to_the_start_page(staff_client):
    vendor = factories.VendorFactory()

    html = staff_client.get(
        reverse("admin:procurement_vendor_change", args=[vendor.pk])
    ).content.decode()

    assert START_LINK in html


def test_the_one_time_code_site_keeps_the_sections(staff_user):
    site = ProcurementOTPAdminSite()
    site._registry = admin.site._registry
    request = RequestFactory().get("/admin/")
    request.user = staff_user

    names = [str(section["name"]) for section in site.get_app_list(request)]

    assert names == [name for name, _ in INDEX]
    assert site.login_template == "otp/admin111/login.html"
