"""Requests for quotation: a Buyer asks vendors to quote for a build, by e-mail in the
vendor's language, and the desk follows each request until it is answered (a received quote
linked to it), declined (with the vendor's reason) or lapsed (its answer-by date passed).

The parts: `rules` (pure: statuses and their moves, working days, when a follow-up is due),
`letters` (the e-mail of a request, written from the build and its brief), `services` (the
writes), `selectors` (the reads for pages and the start page). The follow-up is a kind of the
notices outbox: procurement/notices/kinds/quote_request_follow_up.py.
"""
