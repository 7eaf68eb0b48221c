"""jupyter_kernel_test conformance suite for the quantscope kernel.

Run with JUPYTER_PATH pointing at a folder whose kernels/quantscope holds our kernelspec.
Exits non-zero when any test fails (unittest's exit code), which the node test runner checks.
"""
import sys
import unittest

import jupyter_kernel_test


class QuantscopeKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "quantscope"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("something went wrong")'

    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "const someLongName = 1;\nsomeLo", "matches": {"someLongName"}},
    ]
    complete_code_samples = ["1", "const x = 1;", "function f() { return 1; }"]
    incomplete_code_samples = ["function f() {", "const a = [1,"]

    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"quant" + "scope"', "result": "quantscope"},
    ]
    code_display_data = [
        {"code": 'import { display } from "quantscope";\ndisplay({ [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<b>hi</b>", "text/plain": "hi" }) })', "mime": "text/html"},
    ]
    code_clear_output = 'import { clearOutput } from "quantscope";\nclearOutput()'
    code_inspect_sample = "Math.max"

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "6*"


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    ran = result.testsRun - len(result.skipped)
    print(f"conformance: {ran} ran, {len(result.failures)} failures, {len(result.errors)} errors, {len(result.skipped)} skipped")
    sys.exit(0 if result.wasSuccessful() else 1)
