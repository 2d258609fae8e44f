"""The firebase MCP service: a person's Firebase Auth account and their app usage as read-only tools.

Tools, each bound to the caller through its `email` argument:

- `get_user`: the Firebase Authentication account (uid, display name, email verified, disabled,
  created, last sign-in, linked providers).
- `get_app_usage`: the usage document of that account in Firestore (last activity, sessions this
  month, use of each feature and the most used ones); the layout is in `backends.firebase`.

Backends, chosen by `FIREBASE_BACKEND`: `demo` (default; a deterministic dataset for the shared
demo people, no network) and `firebase` (firebase-admin and the Firestore client with
Application Default Credentials). Every setting is listed in `settings`.

Against the emulators instead of a real project:

```
npm run auth --prefix tools/firebase-emulators    # Auth emulator on 127.0.0.1:9099 (after npm ci)
node tools/firestore-emulator/server.js 8086      # Firestore emulator (after npm ci)
FIREBASE_AUTH_EMULATOR_HOST=127.0.0.1:9099 FIRESTORE_EMULATOR_HOST=127.0.0.1:8086 \\
  FIREBASE_BACKEND=firebase FIREBASE_PROJECT_ID=demo-mcp firebase-service
```
"""
