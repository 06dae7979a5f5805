"""Pricing: every CHF figure the product shows, and where it comes from.

`engine` (pure arithmetic), `rules` (the rule book), `reads` (the price of revisions and
builds, the money committed), `results` (what the reads answer) and `presenter` (the
same in words).
"""
