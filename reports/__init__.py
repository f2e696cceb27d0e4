"""The staff dashboard and the annual report: its budget tables, narrative figures, decisions and the report pack.

Reads only, across funds, applications, providers and transparency; it owns no tables (docs/architecture.md)."""
