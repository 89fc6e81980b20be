"""Slow work off the request path: back-channel logout tokens, password and notification-address
links, notices. Huey queues the jobs (a SQLite file on one machine, Redis for several nodes) and
``idp worker`` runs them, with retries, exponential backoff and a record of each attempt.

``queue`` builds the queue from the settings and tells its depth and health; ``later`` is what
services call (a job leaves only once the unit of work that asked for it commits); ``payload``
seals the secrets a job carries; ``tasks`` (an edge, like the commands) runs each job through
the services; ``attempts`` records each attempt; ``schedule`` is where periodic jobs go.
"""
