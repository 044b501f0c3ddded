"""Holiday-duty routing, feedback clock and duty log (SPEC §6). Built in its own issue."""
