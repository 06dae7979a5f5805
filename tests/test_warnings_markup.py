"""The warnings of a price as people see them: a list on pages, an icon in the lists whose
title holds the sentences; the same markup from the template tag and in the admin."""

import pytest
from django.template import Context, Template
from django.utils import translation

from procurement.templatetags.warnings import warnings_list
from quotes.pricing.results import Warning

TWO = [
    Warning("stale_rate", "The USD rate is 9 days old.", "Stale rate"),
    Warning("no_build", "DHL's fee <unverified> & more", "No build"),
]


def test_a_list_of_warnings():
    assert warnings_list(TWO) == (
        '<ul class="warnings">'
        '<li class="warning" data-code="stale_rate">&#9888; The USD rate is 9 days old.</li>'
        '<li class="warning" data-code="no_build">&#9888; DHL&#x27;s fee &lt;unverified&gt; '
        "&amp; more</li></ul>"
    )


@pytest.mark.parametrize(("language", "word"), [("en", "Warnings"), ("de", "Warnungen")])
def test_an_icon_whose_title_holds_the_sentences(language, word):
    with translation.override(language):
        markup = warnings_list(TWO, compact=True)

    assert markup == (
        f'<span class="warnings-icon" role="img" aria-label="{word}: The USD rate is 9 days '
        'old. DHL&#x27;s fee &lt;unverified&gt; &amp; more" title="The USD rate is 9 days '
        'old.&#10;DHL&#x27;s fee &lt;unverified&gt; &amp; more">&#9888;</span>'
    )


def test_no_warnings_no_markup():
    assert warnings_list([]) == ""
    assert warnings_list(None, compact=True) == ""


def test_the_template_tag_renders_the_same():
    template = Template("{% load warnings %}{% warnings_list items compact=True %}")

    assert template.render(Context({"items": TWO})) == warnings_list(TWO, compact=True)
