"""The hotline rota domain: lines, shifts, who may take them, swaps, reminders, hours."""
