"""The ground floor shared by every app: money as people type and read it, uploads, rate limits, admin widgets,
server-drawn SVG charts and the GOV.UK template tags. It imports no app of ours (docs/architecture.md)."""
