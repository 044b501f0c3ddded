"""Views of the browser workspace. Thin: parse a form → one service (writes) or selectors (reads) →
render. Every view needs a login (R-SEC-1)."""
