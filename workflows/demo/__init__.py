"""Demo users, records and cases for `aftercare init --demo`."""
