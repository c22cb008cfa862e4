"""gunicorn's settings for production: `gunicorn -c config/gunicorn.py config.wsgi`.

gunicorn trusts X-Forwarded-Proto (and sets the request's scheme from it) when it comes from an address in
`forwarded_allow_ips`, by default 127.0.0.1. The app trusts that header only behind a TLS proxy
(`BEHIND_TLS_PROXY=1`, see config/settings.py), and gunicorn must agree: with the variable off nobody is
trusted; with it on, the proxy's addresses (`FORWARDED_ALLOW_IPS`, default the same host).
"""

import os

_behind_proxy = os.environ.get("BEHIND_TLS_PROXY", "").strip().lower() in {"1", "true", "yes", "on"}

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1") if _behind_proxy else ""
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 4))
timeout = 30  # people/imports.py keeps reading one upload under IMPORT_PARSE_SECONDS (20) so this is never hit
