"""What admin forms post back, for tests that drive the admin through the test client."""

from html.parser import HTMLParser


def revision_form_data(revision, *, loaded_version=None, lines=None, **changes):
    """What the change form of a draft posts back, with `changes` applied."""
    data = {
        "issued_on": revision.issued_on.isoformat(),
        "valid_until": revision.valid_until.isoformat(),
        "currency": revision.currency,
        "shipping": str(revision.shipping.amount),
        "foreign_vat": "",
        "ship_from": revision.ship_from,
        "carrier": "",
        "warranty_years": "",
        "fx_rate": "",
        "note": revision.note,
        "loaded_version": revision.version if loaded_version is None else loaded_version,
    }
    if revision.prices_include_vat:
        data["prices_include_vat"] = "on"
    existing = list(revision.lines.all())
    lines = lines if lines is not None else [{} for _ in existing]
    data.update(
        {
            "lines-TOTAL_FORMS": len(lines),
            "lines-INITIAL_FORMS": len(existing),
            "lines-MIN_NUM_FORMS": 0,
            "lines-MAX_NUM_FORMS": 1000,
        }
    )
    for index, line_changes in enumerate(lines):
        line = existing[index] if index < len(existing) else None
        fields = {
            "id": line.pk if line else "",
            "revision": revision.pk,
            "position": line.position if line else index + 1,
            "component": "",
            "description": line.description if line else "",
            "quantity": line.quantity if line else 1,
            "unit_price": str(line.unit_price.amount) if line else "",
            "build_line": "",
            **line_changes,
        }
        data.update({f"lines-{index}-{name}": value for name, value in fields.items()})
    data.update(changes)
    return data


class _FormReader(HTMLParser):
    """The fields a browser would post from the first form with `id` on a page."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if "checked" in attrs else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.append((name, ""))

    def handle_data(self, data):
        if self._textarea is not None:
            name, text = self.data[-1]
            self.data[-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def rendered_form_data(page: str, form_id: str) -> dict[str, list[str]]:
    """What the page's form posts back as it was rendered (no file chosen, no button)."""
    reader = _FormReader(form_id)
    reader.feed(page)
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value.removeprefix("\n"))
    return data
