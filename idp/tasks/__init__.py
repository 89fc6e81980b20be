"""The jobs themselves, an edge like the commands: each job calls a service (``catalog``);
``running`` gives each its queue task, with the app context, the language of the request that
asked for it, a record of each attempt, retries with backoff, and the end of a job given up;
``schedule`` is where periodic jobs are declared. ``idp worker`` (``cli/worker.py``) runs them.
"""
