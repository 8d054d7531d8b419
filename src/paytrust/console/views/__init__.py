"""Console pages. ``routers`` lists them for ``paytrust.app``; importing a page module also
registers its navigation entries and dashboard tiles."""

from paytrust.console.views import audit, auth, pages

routers = [pages.router, auth.router, audit.router]

__all__ = ["routers"]
