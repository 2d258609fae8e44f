"""CRM backends: the `CrmBackend` protocol and its adapters (embedded demo data, the HubSpot API)."""
