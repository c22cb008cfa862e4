"""Database helpers for tests that start another process (`manage.py check --deploy`)."""

from __future__ import annotations

from urllib.parse import quote


def url_for(alias: str) -> str:
    """A `DATABASE_URL` for the test database as `alias`'s role (a socket directory goes in as the host)."""
    from django.db import connections

    settings = connections[alias].settings_dict
    user = quote(settings.get("USER") or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings.get("PASSWORD") else ""
    host = quote(settings.get("HOST") or "", safe="")
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{quote(settings['NAME'], safe='')}"


def environment_for_check(base: dict[str, str], database_url: str) -> dict[str, str]:
    """`base` (os.environ) as production would have it, with `database_url` as the only database."""
    env = {k: v for k, v in base.items() if k not in {
        "SECRET_KEY", "DEBUG", "APP_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECURE_SSL_REDIRECT", "SECURE_COOKIES",
        "DATABASE_OWNER_URL", "EMBEDDED_PGDATA",
    }}
    env.update(
        DEBUG="0",
        SECRET_KEY="prod-like-" + "Zx8#kQ2v!Lm9$Tr4^Wp7&Ny3*Hb6(Jd1)Fg5_Cs0+Ae2=Ui8~Ko3" * 2,
        ALLOWED_HOSTS="cases.example.org",
        CSRF_TRUSTED_ORIGINS="https://cases.example.org",
        DATABASE_URL=database_url,
    )
    return env
