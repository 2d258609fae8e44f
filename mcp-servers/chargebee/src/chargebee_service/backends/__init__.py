"""Billing backends: the `BillingBackend` protocol and its adapters (demo dataset, Chargebee API)."""
