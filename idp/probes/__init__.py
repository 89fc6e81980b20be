"""What operators' tools ask the provider: ``/healthz`` (the process answers), ``/readyz`` (what
it needs is reachable) and ``/metrics`` (Prometheus). Answered before Flask's hooks run: no
session, no CSRF, no rate limit, no access log line (docs/monitoring.md)."""
