"""The national tariff: duty-rate grammar, CSV column mappings, schedule import and the sample schedule."""
