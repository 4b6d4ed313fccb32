"""Tasks only the integration tests' own workers import (`CeleryWorker(include=...)`),
published by name (`send_task`): the test process never registers them."""

import os
import signal

from celery import shared_task


@shared_task(name="tests.poison_tasks.kill_the_worker")
def kill_the_worker(marker: str) -> None:
    """A message that kills its worker on every delivery (as an out-of-memory kill would)."""
    with open(marker, "a") as fh:
        fh.write("delivered\n")
    os.kill(os.getpid(), signal.SIGKILL)


@shared_task(name="tests.poison_tasks.write_marker")
def write_marker(marker: str) -> None:
    with open(marker, "a") as fh:
        fh.write("done\n")
