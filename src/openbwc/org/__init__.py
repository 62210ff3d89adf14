"""The agency: field offices, divisions, units, people and their BWC training."""
