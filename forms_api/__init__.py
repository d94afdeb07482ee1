"""心育驿站 forms API: one process serving the built site and the JSON API."""
