"""The partner-program licensing backend: partners, wallet, customers, licenses, add-ons."""

__version__ = "0.1.0"
