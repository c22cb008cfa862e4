"""Golden HTML of the main pages (see test_golden_pages.py)."""
