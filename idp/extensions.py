"""Flask extensions, created unbound here and bound to the app in ``create_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A session lives for one request; objects stay readable after a commit without reloading them
# (code that needs a value another process may have changed selects it explicitly).
db = SQLAlchemy(
    metadata=MetaData(naming_convention=NAMING_CONVENTION),
    session_options={"expire_on_commit": False},
)
migrate = Migrate()
csrf = CSRFProtect()
# French first, English through ui_locales and Accept-Language (idp/i18n.py).
babel = Babel()
# Rate limits of the sign-in journey (interaction/limits.py), keyed by client IP (ProxyFix gives
# the real one behind TRUSTED_PROXIES); no default limit, so protocol endpoints are not limited.
# Its storage (REDIS_URL, or this process's memory) is chosen by the app bound last: one per
# process. If Redis fails, counting goes on in memory rather than refusing sign-ins.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True,
                  in_memory_fallback_enabled=True)
