"""Working together on cases: who is told what (notification triggers, hooked after every command),
each person's notification preferences and daily digest, and comments with @mentions."""
