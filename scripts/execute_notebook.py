"""Executes a notebook with nbclient and reports the cells whose execution failed.

tslab reports an exception as stderr text and an execute_reply with status 'error', not as an
'error' output, so the reply status is the only reliable signal. Usage:
  execute_notebook.py NOTEBOOK OUTPUT KERNEL TIMEOUT [WORKDIR]  ->  prints a JSON list of failed cell indices
The cells run in WORKDIR (default: the notebook's folder).
"""
import json
import os
import sys

import nbformat
from nbclient import NotebookClient


def main() -> None:
    source, output, kernel, timeout = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    workdir = sys.argv[5] if len(sys.argv) > 5 else os.path.dirname(os.path.abspath(source))
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
        resources={"metadata": {"path": workdir}},
        on_cell_executed=on_cell_executed,
        # Execution timestamps would make every run differ; the outputs themselves are deterministic.
        record_timing=False,
    )
    client.execute()
    nbformat.write(notebook, output)
    print(json.dumps(failed))


if __name__ == "__main__":
    main()
