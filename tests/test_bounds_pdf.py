"""The longest texts the desk accepts still print within PDF_TIMEOUT_SECONDS: the acceptance
protocol and the comparison sheet with every text at its maximum length."""

import time

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from procurement.bounds import ITEM_NOTE_MAX_LENGTH, MEASURED_VALUE_MAX_LENGTH, NOTE_MAX_LENGTH
from procurement.models import AcceptanceItem, Build, Component
from quotes.models import Quote, QuoteLine, QuoteRevision
from tests import comparison_helpers as helpers
from tests.acceptance_helpers import approver, delivered_build, pdf_text, viewer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

GPUS = 8  # the most a workstation's board carries: eight sets of GPU checks


def words(length: int, word: str = "measured") -> str:
    """Text of `length` characters: half in words, half one word that cannot be broken."""
    spaced = ((word + " ") * length)[: length // 2]
    return (spaced + "W" * length)[:length]


def longest(model, name: str) -> str:
    return words(model._meta.get_field(name).max_length)


def test_the_acceptance_protocol_with_every_text_at_its_maximum_prints_within_budget(client):
    build = delivered_build(gpus=GPUS)
    Build.objects.filter(pk=build.pk).update(
        name=longest(Build, "name"), description=words(NOTE_MAX_LENGTH)
    )
    Component.objects.update(model=longest(Component, "model"))
    items = AcceptanceItem.objects.filter(checklist__build=build)
    # What the buyer writes; subjects and expected values are the desk's own, made from
    # the parts' names (at their maximum length above).
    items.update(measured_value=words(MEASURED_VALUE_MAX_LENGTH), note=words(ITEM_NOTE_MAX_LENGTH))
    items.filter(position__gt=5 * GPUS).update(  # a waiver prints with its reason
        waived_reason=words(ITEM_NOTE_MAX_LENGTH), waived_at=timezone.now(), waived_by=approver()
    )
    assert items.count() > 5 * GPUS
    client.force_login(viewer())

    started = time.monotonic()
    response = client.get(reverse("acceptance_pdf", args=[build.slug]))
    took = time.monotonic() - started

    assert response.status_code == 200, response.content[:300]
    assert took < settings.PDF_TIMEOUT_SECONDS
    assert "measured measured" in pdf_text(response.content)


def test_the_comparison_sheet_with_every_text_at_its_maximum_prints_within_budget(client):
    carrier = helpers.rules()
    options = [helpers.build(code=f"{n}.0", gpus=4) for n in range(1, 7)]
    for option in options:
        helpers.usd_quote(carrier=carrier, offers=option)
    Build.objects.update(name=longest(Build, "name"), description=words(NOTE_MAX_LENGTH))
    Component.objects.update(
        model=longest(Component, "model"), manufacturer=longest(Component, "manufacturer")
    )
    QuoteLine.objects.update(description=longest(QuoteLine, "description"))
    QuoteRevision.objects.update(note=words(NOTE_MAX_LENGTH))
    Quote.objects.update(note=words(NOTE_MAX_LENGTH))
    client.force_login(viewer())

    started = time.monotonic()
    response = client.get(
        reverse("quotes:comparison_pdf"), {"build": [option.slug for option in options]}
    )
    took = time.monotonic() - started

    assert response.status_code == 200, response.content[:300]
    assert took < settings.PDF_TIMEOUT_SECONDS
    assert "measured measured" in pdf_text(response.content)
