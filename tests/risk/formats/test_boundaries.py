"""The formats package stays below the web and database layers it is called from."""

from __future__ import annotations

import subprocess
import sys


def test_importing_every_parser_loads_neither_the_web_stack_nor_the_orm() -> None:
    probe = ("import sys, paytrust.risk.formats; "
             "print(sorted(m for m in ('fastapi', 'starlette', 'sqlalchemy') if m in sys.modules))")

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)

    assert result.stdout.strip() == "[]"
