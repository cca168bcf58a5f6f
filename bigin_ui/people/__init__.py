"""Each person's own settings: the time zone they enter and read times in, and how they write
numbers."""
