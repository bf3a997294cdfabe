"""The week's inputs into findings: one module per rule, the groups, the engine, the scan."""
