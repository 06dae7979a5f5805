"""The acceptance protocol as a PDF: the build, its parts and serial numbers, every item with
expected, measured and result, the evidence, and the sign-off. An open checklist prints as a
draft."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from procurement.acceptance.selectors import AcceptanceProtocol, acceptance_protocol
from procurement.models import Build
from procurement.pdf import render_pdf


class NoChecklist(LookupError):
    pass


def protocol_for(build: Build) -> AcceptanceProtocol:
    protocol = acceptance_protocol(build, timezone.localdate())
    if protocol is None:
        raise NoChecklist(
            _(
                "Build %(slug)s has no acceptance checklist yet: it is made once every part "
                "is delivered or installed."
            )
            % {"slug": build.slug}
        )
    return protocol


def protocol_pdf(protocol: AcceptanceProtocol) -> bytes:
    return render_pdf("pdf/acceptance.html", {"protocol": protocol})


def protocol_filename(protocol: AcceptanceProtocol) -> str:
    state = "draft" if protocol.is_draft else "signed"
    return f"acceptance-{protocol.build.slug}-{state}.pdf"
