"""The client's address behind reverse proxies: werkzeug's ProxyFix, set by TRUSTED_PROXIES.

Behind a proxy, whoever connects is the proxy: without this every student would share its
address, and the per-IP login limit would be one bucket for the whole school. Each trusted
proxy appends the address it received the request from to X-Forwarded-For; ProxyFix takes
the entry TRUSTED_PROXIES from the right, so entries a client wrote itself further left are
never believed. After it, `request.remote_addr` is the client's address everywhere (login
limits, the security log, the request log) and `request.scheme` is the one the client used.
The Host header is not taken from the proxy: it passes the client's Host on as it is.
"""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def init_app(app: Flask) -> None:
    """Believe X-Forwarded-For and X-Forwarded-Proto from the TRUSTED_PROXIES last hops."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)
