"""nbclient runs a notebook with a widget on the quantscope kernel; the widget state must land in
the notebook metadata (what nbconvert's HTML export and html-manager render from).
Usage: kernel_nbclient.py OUT.ipynb   (JUPYTER_PATH must point at our kernelspec)."""
import sys

import nbformat
from nbclient import NotebookClient

nb = nbformat.v4.new_notebook()
nb.metadata["kernelspec"] = {"name": "quantscope", "display_name": "TypeScript (quantscope)", "language": "typescript"}
nb.cells = [
    nbformat.v4.new_code_cell('import { Widget } from "quantscope";\n'
                              'const w = new Widget({ modelName: "M", modelModule: "m", modelModuleVersion: "1.0.0", viewName: "V", viewModule: "m", viewModuleVersion: "1.0.0" }, { value: 1, blob: new Uint8Array([5, 6]) });\n'
                              "w.display();"),
    nbformat.v4.new_code_cell("w.set({ value: 2 });\nw.get(\"value\")"),
    nbformat.v4.new_code_cell('throw new Error("an error in a cell")'),
    nbformat.v4.new_code_cell('"the cell after an error still runs"'),
]
NotebookClient(nb, timeout=120, allow_errors=True, kernel_name="quantscope").execute()
nbformat.write(nb, sys.argv[1])

state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
(model_id, model), = state.items()
assert model["model_name"] == "M", model
assert model["state"]["value"] == 2, model["state"]
assert model["state"]["_view_name"] == "V"
assert model["buffers"][0]["path"] == ["blob"] and model["buffers"][0]["data"] == "BQY=", model["buffers"]
view = nb.cells[0].outputs[0]["data"]["application/vnd.jupyter.widget-view+json"]
assert view["model_id"] == model_id, (view, model_id)
assert nb.cells[2].outputs[0]["output_type"] == "error" and nb.cells[2].outputs[0]["ename"] == "Error"
assert nb.cells[3].outputs[0]["data"]["text/plain"] == "the cell after an error still runs", nb.cells[3].outputs
print("nbclient: widget state stored for", model_id)
