"""Executes a notebook with nbclient and reports the cells whose execution failed.

tslab reports an exception as stderr text and an execute_reply with status 'error', not as an
'error' output, so the reply status is the only reliable signal. Usage:
  execute_notebook.py NOTEBOOK OUTPUT KERNEL TIMEOUT  ->  prints a JSON list of failed cell indices
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient


def main() -> None:
    source, output, kernel, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    notebook = nbformat.read(source, as_version=4)
    failed = []

    def on_cell_executed(cell, cell_index, execute_reply):
        if execute_reply and execute_reply.get("content", {}).get("status") == "error":
            failed.append(cell_index)

    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name=kernel,
        allow_errors=True,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
        on_cell_executed=on_cell_executed,
        # Execution timestamps would make every run differ; the outputs themselves are deterministic.
        record_timing=False,
    )
    client.execute()
    nbformat.write(notebook, output)
    print(json.dumps(failed))


if __name__ == "__main__":
    main()
