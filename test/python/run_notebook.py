"""Executes a notebook with nbclient on the kernel its metadata names, stopping at the first error.
Usage: run_notebook.py IN.ipynb OUT.ipynb"""
import sys

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

nb = nbformat.read(sys.argv[1], as_version=4)
try:
    NotebookClient(nb, timeout=600, kernel_name=nb.metadata["kernelspec"]["name"]).execute()
except CellExecutionError as err:
    print(f"cell failed: {str(err)[:3000]}")
    sys.exit(1)
finally:
    nbformat.write(nb, sys.argv[2])
print("executed", len(nb.cells), "cells")
