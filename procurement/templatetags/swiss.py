"""Template filters for the Swiss formats of `procurement.formats` (the one formatter)."""

from django import template

from procurement import formats

register = template.Library()

register.filter("chf", formats.chf)
register.filter("swiss", formats.swiss)
register.filter("money", formats.money)
register.filter("swiss_date", formats.swiss_date)
