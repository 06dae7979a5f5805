"""`import_quote` refuses hostile files with one line naming the problem, never a traceback."""

import json
import tempfile
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quotes.models import Quote
from tests.test_import_quote import DESIGN_FILE, catalog  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def import_text(tmp_path: Path, content: str | bytes) -> None:
    path = tmp_path / "quote.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    call_command("import_quote", str(path))


def design(**changes) -> str:
    return json.dumps({**DESIGN_FILE, **changes})


def design_line(**changes) -> str:
    return json.dumps({**DESIGN_FILE, "lines": [{**DESIGN_FILE["lines"][1], **changes}]})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (design_line(quantity=2_147_483_647, unit_price="9999999999.99"),
         "lines[1].quantity: 2147483647 is more than 1000, the most the desk takes"),
        (design_line(unit_price="99999999999999999999"), "lines[1].unit_price: 99999999999999999999 is too large"),
        (design(fx_rate="1E+7"), "fx_rate: 10000000 CHF per unit is more than 100, the most the desk takes"),
        (design(shipping="1000000.00"), "shipping: 1000000.00 is more than 999999.99, the most the desk takes"),
        (design(valid_until="9999-12-31"), "valid_until: 9999-12-31 is not between 2000-01-01 and 2100-12-31"),
        (design(issued="1970-01-01"), "issued: 1970-01-01 is not between 2000-01-01 and 2100-12-31"),
        (design(reference="BZ\u00002026"), "reference: contains a NUL character"),
        (design(note="half \ud800 a pair"), "note: contains an unpaired surrogate (not valid Unicode text)"),
        (design_line(description="GPU\udfff"), "lines[1].description: contains an unpaired surrogate (not valid Unicode text)"),
        (design(note="n" * 1001), "note: is longer than 1000 characters"),
        ('{"vendor": "bizon", "vendor": "rect"}', "vendor: is given twice in one object; give each field once"),
        ("[" * 200_000 + "]" * 200_000, "file: nests deeper than the 4 levels of a quote file"),
        (json.dumps({**DESIGN_FILE, "watchers": [[[["anna@example.ch"]]]]}), "file: nests 5 levels deep"),
        (design(warranty_years=10**30), "file: has a number of 31 digits"),
        (design(shipping=float("nan")), "file: NaN is not a number a quote file can hold"),
        (json.dumps({**DESIGN_FILE, "lines": DESIGN_FILE["lines"] * 101}), "lines: 202 lines; a quote file has at most 200"),
        ("\n" * 10_001, "file: has 10,002 lines; a quote file has at most 10,000"),
        (b"\xff\xfe{}", "file: is not UTF-8 text (byte 1)"),
        (b" " * 1_000_001, "file: is larger than a quote file's 1,000,000 bytes"),
        ('{"\\n": null}', '"\\n": is not a field of a quote file'),
    ],
)  # fmt: skip
def test_a_hostile_file_is_refused_by_name_and_changes_nothing(catalog, tmp_path, content, message):  # noqa: F811
    with pytest.raises(CommandError) as refused:
        import_text(tmp_path, content)

    assert str(refused.value).split(": ", 1)[1].startswith(message)
    assert not Quote.objects.exists()


def test_a_file_of_200_000_lines_is_refused_at_once(catalog, tmp_path):  # noqa: F811
    lines = ",\n".join(['{"description": "cable", "quantity": 1, "unit_price": "1.00"}'] * 4)
    content = design().replace('"lines": [', '"lines": [' + "\n" * 200_000 + lines + ",", 1)
    started = time.monotonic()

    with pytest.raises(CommandError, match="has 200,004 lines"):
        import_text(tmp_path, content)

    assert time.monotonic() - started < 5


def test_a_file_with_a_byte_order_mark_is_read(catalog, tmp_path):  # noqa: F811
    import_text(tmp_path, "\ufeff".encode() + design().encode())

    assert Quote.objects.get().reference == "BZ-2026-0142"


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
FIELD_NAMES = [*DESIGN_FILE, "owner", "watchers", "note", "estimate", "status", "revision"]
LINE_NAMES = ["component", "description", "quantity", "unit_price"]


def _changed(base: dict, names: list[str], draw) -> dict:
    changed = dict(base)
    for name in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
        changed[name] = draw(JSON_VALUES)
    return changed


@st.composite
def near_quote_files(draw):
    """The design's file with a few fields (of the quote or of a line) set to any JSON."""
    file = _changed(DESIGN_FILE, FIELD_NAMES, draw)
    if isinstance(file.get("lines"), list) and file["lines"]:
        lines = list(file["lines"])
        if isinstance(lines[0], dict):
            lines[0] = _changed(lines[0], LINE_NAMES, draw)
        file["lines"] = lines
    return json.dumps(file)


def _outcome_of(content: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        try:
            import_text(Path(folder), content)
        except CommandError as error:
            assert "Traceback" not in str(error)
            assert "\n" not in str(error)


PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(content=st.binary(max_size=400))
def test_any_bytes_end_in_a_one_line_refusal(catalog, content):  # noqa: F811
    _outcome_of(content)


@PROPERTY
@given(content=JSON_VALUES.map(lambda value: json.dumps(value)))
def test_any_json_ends_in_a_one_line_refusal(catalog, content):  # noqa: F811
    _outcome_of(content)


@PROPERTY
@given(content=near_quote_files())
def test_any_value_in_any_field_ends_in_an_import_or_a_one_line_refusal(catalog, content):  # noqa: F811
    _outcome_of(content)
