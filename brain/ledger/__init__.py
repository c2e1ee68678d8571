"""The case ledger (矛盾纠纷台账): cases, parties, events, deadlines, alerts, follow-ups, import and export.

See docs/ledger.md. :class:`brain.ledger.service.LedgerService` is what :class:`brain.service.Brain`
delegates to; it is built from its parts (settings, an intake callable, the privacy vault) and never holds
``Brain``.
"""
