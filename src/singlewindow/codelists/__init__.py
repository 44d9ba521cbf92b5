"""Reference code lists (HS, countries, currencies, units, ...) kept in the database."""
