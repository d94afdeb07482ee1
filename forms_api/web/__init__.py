"""The HTTP pipeline shared by every domain."""
