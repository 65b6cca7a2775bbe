"""Timer rows fired at their due time by one scheduler, and the notification outbox."""
