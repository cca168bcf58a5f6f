"""The sandbox's built-in self-client. The app imports these to talk to its own simulator."""

from __future__ import annotations

SANDBOX_CLIENT_ID = "1000.SANDBOXCLIENT"
SANDBOX_CLIENT_SECRET = "sandbox-secret"
SANDBOX_REFRESH_TOKEN = "1000.sandbox.refresh-token"
