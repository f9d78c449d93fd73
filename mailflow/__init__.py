"""mailflow: email-native booking of the free consultation call."""

__version__ = "0.1.0"
