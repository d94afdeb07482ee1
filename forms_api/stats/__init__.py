"""The statistics domain: the programme's figures, targets, the dashboard and the yearly report."""
