"""Platforms: where Ray runs. ``base`` holds the protocol every platform implements."""
