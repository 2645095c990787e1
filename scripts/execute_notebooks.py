"""Executes notebooks with nbclient, side by side in one Python process, and exports each as HTML.

One process for every notebook: Python, nbclient and nbconvert start once (≈ 1 s of CPU per notebook
when each had its own processes), and the HTML exporter compiles its templates once.

tslab reports an exception as stderr text and an execute_reply with status 'error', not as an
'error' output, so the reply status is the only reliable signal of a failed cell.

Reads a JSON job on stdin:
  {"kernel": "camlab-tslab", "timeout": 300, "concurrency": 2,
   "html": {"template_dir": DIR, "require_js_url": "require.js"} or null,
   "notebooks": [{"index": I, "source": PATH, "output": PATH, "workdir": DIR, "execute": true}, ...]}
(started in the order listed; "index" is what the report calls it)
and prints one line per notebook as it finishes, the marker then JSON (kernels share this stdout):
  REPORT {"index": I, "failed": [cell indices], "seconds": S, "error": null or "Name: message"}
"""
import asyncio
import json
import os
import sys
import time
import traceback

import nbformat
from nbclient import NotebookClient

REPORT = "camlab-notebook-report "


def html_exporter(settings):
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TemplateExporter.extra_template_basedirs = [settings["template_dir"]]
    config.HTMLExporter.require_js_url = settings["require_js_url"]
    return HTMLExporter(config=config, template_name=settings.get("template", "camlab"))


async def execute(job, notebook_job, exporter, slots):
    index = notebook_job["index"]
    async with slots:
        began = time.monotonic()
        report = {"index": index, "failed": [], "seconds": 0, "error": None}
        try:
            notebook = nbformat.read(notebook_job["source"], as_version=4)
            failed = report["failed"]

            def on_cell_executed(cell, cell_index, execute_reply):
                if execute_reply and execute_reply.get("content", {}).get("status") == "error":
                    failed.append(cell_index)

            client = NotebookClient(
                notebook,
                timeout=job["timeout"],
                kernel_name=job["kernel"],
                allow_errors=True,
                resources={"metadata": {"path": notebook_job["workdir"]}},
                on_cell_executed=on_cell_executed,
                # Execution timestamps would make every run differ; the outputs themselves are deterministic.
                record_timing=False,
            )
            # "execute": false publishes the notebook with the outputs it has (exported, not run).
            if notebook_job.get("execute", True):
                await client.async_execute()
            nbformat.write(notebook, notebook_job["output"])
            if exporter is not None:
                export_html(exporter, notebook, notebook_job["output"])
        except Exception as error:  # reported for this notebook; the others go on
            report["error"] = f"{type(error).__name__}: {error}"
            traceback.print_exc(file=sys.stderr)
        report["seconds"] = round(time.monotonic() - began, 3)
        print(REPORT + json.dumps(report), flush=True)


def export_html(exporter, notebook, output):
    folder, name = os.path.split(output)
    stem = os.path.splitext(name)[0]
    # The resources nbconvert's command line passes: the page title is the file's name.
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": stem, "path": folder}})
    path = os.path.join(folder, stem + ".html")
    with open(path, "w", encoding="utf-8") as page:
        page.write(body)


async def main():
    job = json.load(sys.stdin)
    exporter = html_exporter(job["html"]) if job.get("html") else None
    slots = asyncio.Semaphore(max(1, int(job.get("concurrency", 1))))
    # asyncio's semaphore is first come, first served: notebooks start in the order listed.
    await asyncio.gather(*(execute(job, nb, exporter, slots) for nb in job["notebooks"]))


if __name__ == "__main__":
    asyncio.run(main())
