"""A watch on prices: shop prices kept with their history, read from a CSV file or the
admin; target prices on the parts of a build, with one price alert when one is reached
(`procurement.notices.kinds.price_alert`); a build's estimate refreshed from the latest
prices, the change kept.

The parts: `rules` (pure: reading a price file, the chart of a part's prices), `selectors`
(reads), `services` (writes, each checking who acts).
"""
