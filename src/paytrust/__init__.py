"""PayTrust: the security-and-trust operations platform of a payment provider."""

__version__ = "0.1.0"
