"""Small shared tools every layer may use: errors, ids, time, pagination."""
