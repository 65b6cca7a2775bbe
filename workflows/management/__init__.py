"""The management loop: dashboard facts, reports, scorecards, fines, tools, commission."""
