"""prometheus_client's multiprocess mode chosen after the library was imported
(``metrics.use_directory``, as ``idp serve`` does once the app is built): values counted in
forked processes are summed by a scrape, and an ended process's live values are dropped."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_values_of_processes_forked_after_use_directory_are_summed(tmp_path):
    script = textwrap.dedent(f"""
        import os
        from idp.observability import metrics  # imports prometheus_client first

        metrics.use_directory({str(tmp_path)!r})
        children = []
        for _ in range(2):
            pid = os.fork()
            if pid == 0:
                metrics.TOKENS.labels("authorization_code").inc(3)
                os._exit(0)
            children.append(pid)
        for pid in children:
            os.waitpid(pid, 0)
            metrics.process_ended(pid)
        print(metrics.exposition()[0].decode())
    """)
    scraped = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True).stdout
    assert 'idp_tokens_issued_total{grant="authorization_code"} 6.0' in scraped
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
