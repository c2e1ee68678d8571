"""枫桥智脑 (Fengqiao Brain): the service behind a county 综治中心's intake, mediation and reporting work.

Everything a caller needs goes through :class:`brain.service.Brain`; the API, the CLI, the UI and the
evaluation runner all call that one facade so every caller takes the same path.
"""

__version__ = "0.1.0"
