import io
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from djmoney.money import Money
from PIL import Image
from pypdf import PdfWriter

from procurement.models import (
    AcceptanceChecklist,
    AcceptanceItem,
    Build,
    BuildLine,
    Component,
    DeliveredUnit,
    Notice,
    NotificationSettings,
    Order,
    OrderLine,
    PriceObservation,
    Requirements,
    Vendor,
    WarrantyOption,
)
from quotes.models import (
    Carrier,
    ClearanceFeeSchedule,
    DutyRate,
    ExchangeRate,
    Quote,
    QuoteLine,
    QuoteRevision,
    VatRate,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.ch")
    password = factory.django.Password("a-long-test-password")


class VendorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vendor

    slug = factory.Sequence(lambda n: f"vendor-{n}")
    name = factory.Sequence(lambda n: f"Vendor {n}")
    kind = Vendor.Kind.RETAILER
    country = "CH"
    default_currency = "CHF"


class WarrantyOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WarrantyOption

    vendor = factory.SubFactory(VendorFactory)
    years = 4
    surcharge_percent = Decimal("8.00")


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    slug = factory.Sequence(lambda n: f"component-{n}")
    category = Component.Category.MISC
    manufacturer = "Acme"
    model = factory.Sequence(lambda n: f"Part {n}")


class GpuFactory(ComponentFactory):
    category = Component.Category.GPU
    manufacturer = "NVIDIA"
    vram_gb = 96
    tdp_w = 300


class PriceObservationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceObservation

    component = factory.SubFactory(ComponentFactory)
    vendor = factory.SubFactory(VendorFactory)
    price = Money("100.00", "CHF")
    observed_on = date(2026, 2, 16)


class RequirementsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirements

    slug = factory.Sequence(lambda n: f"brief-{n}")
    name = "Home office brief"
    budget_min = Money("4000.00", "CHF")
    budget_max = Money("15000.00", "CHF")
    vram_min_gb = 96
    vram_max_gb = 256
    circuit_watts = 2300
    noise_tolerance = Requirements.Noise.QUIET
    throughput_min_tok_s = 60
    throughput_max_tok_s = 80


class BuildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Build

    slug = factory.Sequence(lambda n: f"build-{n}")
    code = factory.Sequence(lambda n: f"B{n}")
    name = factory.Sequence(lambda n: f"Build {n}")


class BuildLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BuildLine
        # `build` would hide factory_boy's own build(); pass `for_build=` instead.
        rename = {"for_build": "build"}

    for_build = factory.SubFactory(BuildFactory)
    component = factory.SubFactory(ComponentFactory)
    quantity = 1
    estimated_unit_price = Money("100.00", "CHF")


class VatRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VatRate
        django_get_or_create = ["valid_from"]

    valid_from = date(2024, 1, 1)
    rate_percent = Decimal("8.10")
    import_vat_minimum_chf = Decimal("5.00")


class DutyRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyRate
        django_get_or_create = ["valid_from", "chapter_from", "chapter_to"]

    valid_from = date(2024, 1, 1)
    chapter_from = 25
    chapter_to = 97
    rate_percent = Decimal("0.00")


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExchangeRate
        django_get_or_create = ["currency", "rate_date"]

    currency = "USD"
    rate_date = date(2026, 2, 16)
    chf_per_unit = Decimal("0.800000")


class CarrierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Carrier
        django_get_or_create = ["slug"]

    slug = "fedex"
    name = factory.LazyAttribute(lambda carrier: carrier.slug.replace("-", " ").title())


class ClearanceFeeScheduleFactory(factory.django.DjangoModelFactory):
    """FedEx's schedule of the design: max(22.00, 2.5% x (duty + import VAT))."""

    class Meta:
        model = ClearanceFeeSchedule

    carrier = factory.SubFactory(CarrierFactory)
    valid_from = date(2024, 1, 1)
    basis = ClearanceFeeSchedule.Basis.DUTY_PLUS_IMPORT_VAT
    percent = Decimal("2.50")
    minimum_fee_chf = Decimal("22.00")
    source = "carrier's published fee table"
    seen_on = date(2026, 2, 16)
    verified = True


class QuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quote

    vendor = factory.SubFactory(VendorFactory)
    reference = factory.Sequence(lambda n: f"Q-2026-{n:04d}")


class QuoteRevisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuoteRevision

    quote = factory.SubFactory(QuoteFactory)
    number = factory.Sequence(lambda n: n + 1)
    status = QuoteRevision.Status.RECEIVED
    issued_on = date(2026, 2, 16)
    valid_until = factory.LazyAttribute(lambda rev: rev.issued_on + timedelta(days=30))
    currency = "CHF"
    shipping = factory.LazyAttribute(lambda rev: Money("0.00", rev.currency))
    ship_from = "CH"
    accepted_at = factory.LazyAttribute(
        lambda rev: timezone.now() if rev.status == QuoteRevision.Status.ACCEPTED else None
    )
    rejected_at = factory.LazyAttribute(
        lambda rev: timezone.now() if rev.status == QuoteRevision.Status.REJECTED else None
    )
    rejection_reason = factory.LazyAttribute(
        lambda rev: "Too expensive" if rev.status == QuoteRevision.Status.REJECTED else ""
    )


class QuoteLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QuoteLine

    revision = factory.SubFactory(QuoteRevisionFactory)
    description = factory.Sequence(lambda n: f"Line {n}")
    quantity = 1
    unit_price = factory.LazyAttribute(lambda line: Money("100.00", line.revision.currency))


# The design's rules of landed cost ----------------------------------------------------------


class SwissPostScheduleFactory(ClearanceFeeScheduleFactory):
    """min(70.00, base + 3% x (customs value + duty)); base 11.50 from neighbours, else 16.00."""

    carrier = factory.SubFactory(CarrierFactory, slug="swiss-post")
    basis = ClearanceFeeSchedule.Basis.CUSTOMS_VALUE_PLUS_DUTY
    percent = Decimal("3.00")
    base_fee_chf = Decimal("16.00")
    nearby_base_fee_chf = Decimal("11.50")
    nearby_countries = "DE,FR,IT,AT"
    minimum_fee_chf = None
    maximum_fee_chf = Decimal("70.00")


class DhlScheduleFactory(ClearanceFeeScheduleFactory):
    """(19.00 up to a customs value of 1,000.00, else 39.50) + 2% x (duty + import VAT), at
    least 3.00; unverified (DHL's published text)."""

    carrier = factory.SubFactory(CarrierFactory, slug="dhl")
    basis = ClearanceFeeSchedule.Basis.DUTY_PLUS_IMPORT_VAT
    percent = Decimal("2.00")
    minimum_percent_fee_chf = Decimal("3.00")
    base_fee_chf = Decimal("19.00")
    value_threshold_chf = Decimal("1000.00")
    base_fee_above_threshold_chf = Decimal("39.50")
    minimum_fee_chf = None
    verified = False


class UpsScheduleFactory(ClearanceFeeScheduleFactory):
    """max(25.15, 3% x customs value); unverified."""

    carrier = factory.SubFactory(CarrierFactory, slug="ups")
    basis = ClearanceFeeSchedule.Basis.CUSTOMS_VALUE
    percent = Decimal("3.00")
    minimum_fee_chf = Decimal("25.15")
    verified = False


def design_rules() -> dict[str, Carrier]:
    """Swiss VAT 7.7% from 2018 and 8.1% from 2024, duty 0 and the four carriers' fees.

    Returns the carriers by slug.
    """
    VatRateFactory(valid_from=date(2018, 1, 1), rate_percent=Decimal("7.70"))
    VatRateFactory(valid_from=date(2024, 1, 1), rate_percent=Decimal("8.10"))
    DutyRateFactory(valid_from=date(2018, 1, 1), description="industrial goods")
    DutyRateFactory(valid_from=date(2024, 1, 1), description="industrial tariffs abolished")
    schedules = [
        ClearanceFeeScheduleFactory(valid_from=date(2018, 1, 1)),
        SwissPostScheduleFactory(valid_from=date(2018, 1, 1)),
        DhlScheduleFactory(valid_from=date(2018, 1, 1)),
        UpsScheduleFactory(valid_from=date(2018, 1, 1)),
    ]
    return {schedule.carrier.slug: schedule.carrier for schedule in schedules}


def bizon() -> Vendor:
    """BIZON: ships from the US in USD, 3 years included, 4 years +8%, 5 years +15%."""
    vendor = VendorFactory(
        slug="bizon",
        name="BIZON",
        kind=Vendor.Kind.INTEGRATOR,
        country="US",
        default_currency="USD",
        warranty_years_included=3,
    )
    WarrantyOptionFactory(vendor=vendor, years=4, surcharge_percent=Decimal("8.00"))
    WarrantyOptionFactory(vendor=vendor, years=5, surcharge_percent=Decimal("15.00"))
    return vendor


def revision_with_lines(
    *, lines: list[tuple[int, str]], quote: Quote | None = None, **fields
) -> QuoteRevision:
    """A revision with lines of (quantity, unit price in the revision's currency)."""
    revision = QuoteRevisionFactory(**({"quote": quote} if quote else {}), **fields)
    for position, (quantity, unit_price) in enumerate(lines, start=1):
        QuoteLineFactory(
            revision=revision,
            position=position,
            quantity=quantity,
            unit_price=Money(unit_price, revision.currency),
        )
    return revision


def user_in_role(role: str, **kwargs) -> object:
    """A staff user in one of the role groups (Viewer, Buyer, Approver) of the migration."""
    kwargs.setdefault("is_staff", True)
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


def acting_buyer():
    """The Buyer on whose behalf tests call the services (one user, made once per test)."""
    return user_in_role("Buyer", username="acting-buyer")


def administrator():
    """A superuser, as `make run` makes one: may do everything, for anyone."""
    return UserFactory(username="administrator", is_staff=True, is_superuser=True)


def acting_approver():
    """The Approver on whose behalf tests accept, reject, waive and sign off."""
    return user_in_role("Approver", username="acting-approver")


def revision_through_services(
    *,
    quote: Quote | None = None,
    lines: tuple[tuple[str, int, str], ...] = (("Workstation", 1, "1000.00"),),
    status: str = QuoteRevision.Status.RECEIVED,
    issued_on: date = date(2026, 2, 16),
    valid_until: date = date(2026, 3, 18),
    **terms,
) -> QuoteRevision:
    """A Swiss VAT-inclusive revision made by the services, with its landed cost stored.

    Needs the VAT and duty rules of 2024 (VatRateFactory, DutyRateFactory).
    """
    from quotes.services import LineData, quote_revision_create

    terms.setdefault("prices_include_vat", True)
    return quote_revision_create(
        quote=quote or QuoteFactory(),
        user=terms.pop("user", None) or acting_buyer(),
        issued_on=issued_on,
        valid_until=valid_until,
        currency=terms.pop("currency", "CHF"),
        lines=[
            LineData(description=description, quantity=quantity, unit_price=Decimal(price))
            for description, quantity, price in lines
        ],
        status=status,
        **terms,
    )


def november_usd_revision(
    quote: Quote,
    lines: tuple[tuple[str, int, str], ...],
    *,
    status: str = QuoteRevision.Status.RECEIVED,
) -> QuoteRevision:
    """A revision in USD without VAT, shipped from the US, issued 20.11.2026 and valid until
    20.12.2026, made by the services (the rules it needs must exist)."""
    return revision_through_services(
        quote=quote,
        status=status,
        lines=lines,
        currency="USD",
        prices_include_vat=False,
        ship_from="US",
        issued_on=date(2026, 11, 20),
        valid_until=date(2026, 12, 20),
    )


def drifted_usd_revision(*, owner=None) -> QuoteRevision:
    """BZ-2026-0199 of BIZON: USD 10,000 from the US at 1.00 (20.11.2026), landed CHF
    10,810.00, accepted; then a USD rate of 1.05 (27.11.2026) would make it CHF 11,350.50,
    +5.00%. Makes the design's rules."""
    from quotes.services import quote_revision_accept

    design_rules()
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 11, 20), chf_per_unit="1.000000")
    quote = QuoteFactory(
        vendor=bizon(), reference="BZ-2026-0199", build=BuildFactory(), owner=owner
    )
    revision = november_usd_revision(quote, (("G3000 workstation", 1, "10000.00"),))
    revision = quote_revision_accept(revision=revision, user=user_in_role("Approver"))
    ExchangeRateFactory(currency="USD", rate_date=date(2026, 11, 27), chf_per_unit="1.050000")
    return revision


def pdf_document(pages: int = 1) -> bytes:
    """A small, valid PDF as a vendor would send it."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_file(kind: str = "PNG", size: tuple[int, int] = (4, 3)) -> bytes:
    """A small, valid PNG or JPEG, as a phone or a screenshot tool would save it."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(buffer, format=kind)
    return buffer.getvalue()


class AcceptedRevisionFactory(QuoteRevisionFactory):
    """An accepted revision, as the quote lifecycle leaves it (tests of orders start here)."""

    status = QuoteRevision.Status.ACCEPTED


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    build = factory.SubFactory(BuildFactory)
    vendor = factory.SubFactory(VendorFactory)
    owner = factory.SubFactory(UserFactory)
    ship_from = "CH"
    currency = "CHF"


class OrderLineFactory(factory.django.DjangoModelFactory):
    """A planned line; tests move it on through procurement.services."""

    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    position = factory.Sequence(lambda n: n + 1)
    component = factory.SubFactory(ComponentFactory)
    description = factory.LazyAttribute(lambda line: str(line.component or "Part"))
    quantity = 1
    unit_price = Money("100.00", "CHF")


def accepted_revision_for(build, *, vendor=None, parts, currency="CHF", ship_from="CH", **terms):
    """An accepted revision of a quote for `build` with a line per (component, quantity,
    unit price) in `parts`, each sourcing the build's line for that component when it has one."""
    quote = QuoteFactory(
        vendor=vendor or VendorFactory(), build=build, owner=terms.pop("owner", None)
    )
    revision = AcceptedRevisionFactory(quote=quote, currency=currency, ship_from=ship_from, **terms)
    for position, (component, quantity, unit_price) in enumerate(parts, start=1):
        QuoteLineFactory(
            revision=revision,
            position=position,
            component=component,
            build_line=BuildLine.objects.filter(build=build, component=component).first(),
            description=str(component),
            quantity=quantity,
            unit_price=Money(unit_price, currency),
        )
    return revision


class DeliveredUnitFactory(factory.django.DjangoModelFactory):
    """A unit row as the admin lists it; tests of receiving go through order_line_receive."""

    class Meta:
        model = DeliveredUnit

    line = factory.SubFactory(OrderLineFactory)
    received_on = date(2026, 2, 20)
    serial_number = factory.Sequence(lambda n: f"SN-{n:06d}")


class AcceptanceChecklistFactory(factory.django.DjangoModelFactory):
    """A checklist row as the admin lists it; tests of the rules make checklists through
    procurement.acceptance.services."""

    class Meta:
        model = AcceptanceChecklist
        rename = {"for_build": "build"}

    for_build = factory.SubFactory(BuildFactory)


class AcceptanceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AcceptanceItem

    checklist = factory.SubFactory(AcceptanceChecklistFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = AcceptanceItem.Kind.BURN_IN
    subject = "System"
    expected_value = "24 hours at full load without errors, crashes or throttling"


class FollowedQuoteFactory(QuoteFactory):
    """A quote with an owner; `FollowedQuoteFactory(watchers=[user, ...])` adds watchers."""

    owner = factory.SubFactory(UserFactory)

    class Meta:
        skip_postgeneration_save = True

    @factory.post_generation
    def watchers(self, create, extracted, **kwargs):
        if create and extracted:
            self.watchers.add(*extracted)


class NoticeFactory(factory.django.DjangoModelFactory):
    """A quote reminder in the outbox, waiting to be sent."""

    class Meta:
        model = Notice

    kind = "quote_reminder"
    subject_key = factory.Sequence(str)
    subject = factory.LazyAttribute(lambda notice: f"BIZON Q-{notice.subject_key} rev. 1")
    step = "7"
    recipient = factory.SubFactory(UserFactory)
    address = factory.LazyAttribute(lambda notice: notice.recipient.email)
    due_on = date(2026, 3, 11)


class NotificationSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationSettings

    user = factory.SubFactory(UserFactory)
    muted_kinds = factory.LazyFunction(lambda: ["overdue_digest"])


def price_target(owner=None):
    """A target price of CHF 100.00 on the one part of a new build."""
    from procurement.models import PriceTarget

    line = BuildLineFactory()
    return PriceTarget.objects.create(
        build=line.build,
        component=line.component,
        target_price=Money("100.00", "CHF"),
        owner=owner or UserFactory(),
    )


def estimate_refresh():
    """A build whose one line's estimate was refreshed from a lower shop price."""
    from procurement.models import EstimateRefresh

    line = BuildLineFactory()
    return EstimateRefresh.objects.create(
        build=line.build,
        old_total_chf=Decimal("100.00"),
        new_total_chf=Decimal("90.00"),
        changes=[],
    )
