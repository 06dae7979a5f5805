"""What admin forms post back, for tests that drive the admin through the test client."""


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
