"""Reads an `mlduck query -f arrow` stream with pyarrow, to check that Python's Arrow reads it as is.

    mlduck query -f arrow "SELECT * FROM run_overview" | python3 scripts/arrow/read-with-pyarrow.py

Prints the schema, the row count and the first row. Not part of the tests (they never need Python): run it
by hand in a venv with pyarrow (`pip install pyarrow`).
"""

import sys

import pyarrow.ipc as ipc

reader = ipc.open_stream(sys.stdin.buffer)
table = reader.read_all()
print(table.schema)
print(f"{table.num_rows} rows")
if table.num_rows:
    print(table.slice(0, 1).to_pylist()[0])
