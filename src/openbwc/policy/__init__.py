"""The recording policy as data (POLICY.md): versioned YAML files, not code.

For now this holds the default retention categories (RET-3) that the program
forecast needs; the recording rules (TRG, EXC) and an "active policy" table
join the same file and package later.
"""
