"""What the provider tells its operators: Prometheus metrics, the per-request record (request
id, timing, access log line) and the log format. Below the services: any package may report
through it; it imports no service."""
