"""An independent simulator of Zoho Bigin's REST API v2, mounted under ``/sandbox/``.

It never imports the app's Bigin client, metadata or queue code: it is a second, separate
reading of Bigin's rules, so that a mistake in the app's validators shows up against it.

URLs (relative to the mount point, which is also the ``api_domain`` it hands out):

* ``oauth/v2/token`` (refresh_token and authorization_code grants), ``oauth/v2/token/revoke``
* ``bigin/v2/settings/{fields,layouts,tags,modules}``, ``bigin/v2/users[/<id>]``,
  ``bigin/v2/org``, ``bigin/v2/<Module>`` (POST insert, GET list),
  ``bigin/v2/<Module>/upsert``, ``bigin/v2/<Module>/search``, ``bigin/v2/<Module>/<id>``
* ``_control/{knobs,reset,stats,records,grant-code,fields}`` (JSON; writes need the control token
  or an admin's CSRF-protected session, see guard.py) and a page at ``/``

Knobs (``POST _control/knobs``): latency_ms, max_concurrency (per process), rate_429,
rate_500, rate_drop, drop_mode (mid_body | before_headers), token_ttl_seconds, token_throttle,
token_throttle_limit, strict_picklists, multi_status (202 | 207), search_lag_seconds, seed, and
the action expire_tokens. Module map: catalog (field metadata), seed_data (the demo org),
schema (metadata with runtime changes), validation (Bigin's rules), store (records, duplicates,
reads), tokens, oauth, faults, criteria (search), views (the API), control, customize.
"""
