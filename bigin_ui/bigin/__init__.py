"""Bigin API client: data centres, OAuth, calls, response and error parsing.

Plain Python and requests only. Nothing here imports Django; the token store and settings are
passed in by the caller (see bigin_ui.connection).
"""
