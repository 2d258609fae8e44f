"""App user backends: the `AppUsersBackend` protocol and its adapters (demo dataset, Firebase)."""
