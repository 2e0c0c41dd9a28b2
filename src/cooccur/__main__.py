"""``python -m cooccur``: see :mod:`cooccur.cli`."""

from cooccur.cli import main

raise SystemExit(main())
