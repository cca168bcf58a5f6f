"""The sandbox's built-in self-client. The app imports these to talk to its own simulator.

Kept free of imports so that importing it never pulls the simulator (or Django models) in.
"""

from __future__ import annotations

SANDBOX_CLIENT_ID = "1000.SANDBOXCLIENT"
SANDBOX_CLIENT_SECRET = "sandbox-secret"
SANDBOX_REFRESH_TOKEN = "1000.sandbox.refresh-token"
# Everything the app needs, as a real self-client would be granted it.
SANDBOX_SCOPE = (
    "ZohoBigin.modules.ALL,ZohoBigin.settings.ALL,ZohoBigin.users.ALL,ZohoBigin.org.ALL,"
    "ZohoSearch.securesearch.READ"
)
