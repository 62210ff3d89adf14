"""The BWC program: rollout phases against the fleet and the agency, and cost forecasts."""
