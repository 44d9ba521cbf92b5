"""Assessment of an import declaration: customs value, import duty, commodity tax, business tax and
the trade promotion fee, item by item, in ``Decimal`` and whole New Taiwan dollars.

``calc`` holds the pure arithmetic; ``service.assess_declaration`` reads the tariff, commodity
tax and exchange-rate tables and feeds it; ``result`` is the typed breakdown a trader reads.
"""
