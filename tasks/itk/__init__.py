"""Lancashire Talking (In The Know) resident survey feed."""
