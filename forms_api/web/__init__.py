"""The HTTP pipeline shared by every domain: intake, submit, errors, security, pages, logs."""
