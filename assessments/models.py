"""Risk assessments, reviews, flags and removal decisions (filled by the assessment issue)."""
