#!/usr/bin/env python3
"""Writes test/fixtures/pickle/pyarrow/: pickles of pyarrow-backed pandas 3 data and what pandas loads.

Run offline in a venv from the wheel index (tests never run this; they read the committed files):
    python3 -m venv .venv-p3 && .venv-p3/bin/pip install pandas==3.0.6 numpy==2.4.6 pyarrow
    .venv-p3/bin/python scripts/pickle/generate_pyarrow_fixtures.py
and, for the pandas 2 layouts (written to pyarrow/pandas2/, without the hostile set):
    python3 -m venv .venv-p2 && .venv-p2/bin/pip install pandas==2.2.3 numpy==2.4.6 pyarrow
    .venv-p2/bin/python scripts/pickle/generate_pyarrow_fixtures.py

* frames/series of every pyarrow-backed dtype pandas 3 writes (default `str`, string[pyarrow], int64[pyarrow],
  timestamp[us, tz][pyarrow], list<double>[pyarrow], struct, dictionary, large/small strings, nulls, sliced
  arrays with offsets, chunked arrays), protocols 4 and 5
* pyarrow.Table / RecordBatch / Array pickled directly
* the dr_showntell structures of scripts/pickle/generate_examples.py re-saved by pandas 3 with pyarrow
* hostile/: the same layouts with broken buffers, offsets, lengths, nesting and type aliases
expected.json: {file: {value: canonical JSON of what pandas loads}} or {file: {error: message fragment}}.
"""
import datetime
import io
import json
import os
import pickle
import pickletools
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from generate_fixtures import cell  # noqa: E402  (the canonical JSON both generators share)
import generate_examples  # noqa: E402

ROOT = os.path.join(HERE, '..', '..', 'test', 'fixtures', 'pickle', 'pyarrow')


def canonical(obj):
    """What pandas loads, in the canonical form; Tables and RecordBatches as the frames of their columns."""
    if isinstance(obj, (pa.Table, pa.RecordBatch)):
        return cell(obj.to_pandas(types_mapper=pd.ArrowDtype))
    if isinstance(obj, (pa.Array, pa.ChunkedArray)):
        return cell(pd.Series(pd.arrays.ArrowExtensionArray(obj)))
    return cell(obj)


def frames():
    out = {}
    # pandas 3's default: str columns and string column labels are ArrowStringArray (StringDtype(na_value=nan))
    out['df_default_str'] = pd.DataFrame({'name': ['a', None, 'ünï', ''], 'x': [1.0, float('nan'), float('inf'), -0.0],
                                          'n': np.array([1, -2, 2**62, 0], dtype='int64')})
    out['df_numeric_only'] = pd.DataFrame({'f': [1.5, 2.5], 'i': [1, 2]})
    out['df_string_pyarrow'] = pd.DataFrame({
        'string': pd.array(['x', None, 'z', 'ü'], dtype='string[pyarrow]'),
        'large': pd.array(['a', None, 'bb', ''], dtype=pd.ArrowDtype(pa.large_string())),
        'small': pd.array(['a', None, 'bb', ''], dtype=pd.ArrowDtype(pa.string())),
        'binary': pd.array([b'\x00\x01', None, b'', b'xyz'], dtype=pd.ArrowDtype(pa.binary())),
    })
    out['df_ints_pyarrow'] = pd.DataFrame({
        'i64': pd.array([1, None, -(2**63), 2**63 - 1], dtype='int64[pyarrow]'),
        'i32': pd.array([1, None, -5, 7], dtype='int32[pyarrow]'),
        'i8': pd.array([None, None, -128, 127], dtype='int8[pyarrow]'),
        'u64': pd.array([0, 2**64 - 1, None, 5], dtype='uint64[pyarrow]'),
        'u16': pd.array([0, 65535, None, 5], dtype='uint16[pyarrow]'),
        'f64': pd.array([1.5, None, float('nan'), float('-inf')], dtype='double[pyarrow]'),
        'f32': pd.array([0.5, None, 2.0, float('inf')], dtype='float[pyarrow]'),
        'b': pd.array([True, None, False, True], dtype='bool[pyarrow]'),
    })
    out['df_times_pyarrow'] = pd.DataFrame({
        'ts_tz': pd.array([pd.Timestamp('2024-03-31 01:59:59.123456', tz='Europe/Berlin'), None,
                           pd.Timestamp('1969-12-31 23:59:59.999999', tz='Europe/Berlin'),
                           pd.Timestamp('2024-10-27 00:30:00', tz='UTC').tz_convert('Europe/Berlin')],
                          dtype=pd.ArrowDtype(pa.timestamp('us', tz='Europe/Berlin'))),
        'ts_utc_ns': pd.array([pd.Timestamp('2020-01-01 00:00:00.000000001', tz='UTC'), None, None,
                               pd.Timestamp('2262-04-11', tz='UTC')],
                              dtype=pd.ArrowDtype(pa.timestamp('ns', tz='UTC'))),
        'ts_naive_s': pd.array([pd.Timestamp('2020-01-01'), None, pd.Timestamp('1900-01-01'), pd.Timestamp('2100-12-31')],
                               dtype=pd.ArrowDtype(pa.timestamp('s'))),
        'dur': pd.array([pd.Timedelta('1 days'), None, pd.Timedelta('-1 us'), pd.Timedelta(0)],
                        dtype=pd.ArrowDtype(pa.duration('us'))),
        'day': pd.array([datetime.date(2024, 2, 29), None, datetime.date(1900, 1, 1), datetime.date(2100, 12, 31)],
                        dtype=pd.ArrowDtype(pa.date32())),
    })
    out['df_nested_pyarrow'] = pd.DataFrame({
        'lists': pd.array([[1.0, 2.5], None, [], [float('nan'), float('inf'), None]],
                          dtype=pd.ArrowDtype(pa.list_(pa.float64()))),
        'large_lists': pd.array([[1], None, [2, 3], []], dtype=pd.ArrowDtype(pa.large_list(pa.int64()))),
        'str_lists': pd.array([['a'], ['b', None], None, []], dtype=pd.ArrowDtype(pa.list_(pa.string()))),
        'struct': pd.array([{'a': 1, 'b': 'x'}, None, {'a': None, 'b': 'z'}, {'a': 4, 'b': None}],
                           dtype=pd.ArrowDtype(pa.struct([('a', pa.int64()), ('b', pa.string())]))),
        'dict': pd.array(pa.array(['lo', 'hi', None, 'lo']).dictionary_encode(),
                         dtype=pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))),
        'nulls': pd.array([None, None, None, None], dtype=pd.ArrowDtype(pa.null())),
    })
    # arrays whose buffers start at an offset (slices keep the parent's buffers and record the offset)
    base = pd.DataFrame({'s': pd.array(['skip', 'a', None, 'c', 'skip2'], dtype='string[pyarrow]'),
                         'i': pd.array([9, 1, None, 3, 9], dtype='int64[pyarrow]'),
                         'l': pd.array([[0.0], [1.0], None, [3.0, 4.0], [9.0]], dtype=pd.ArrowDtype(pa.list_(pa.float64())))})
    out['df_sliced_offsets'] = base.iloc[1:4]
    # chunked arrays: concat keeps the chunks
    out['df_chunked'] = pd.concat([pd.DataFrame({'s': pd.array(['a', None], dtype='string[pyarrow]'),
                                                 'i': pd.array([1, None], dtype='int64[pyarrow]')}),
                                   pd.DataFrame({'s': pd.array(['c'], dtype='string[pyarrow]'),
                                                 'i': pd.array([3], dtype='int64[pyarrow]')})], ignore_index=True)
    out['series_str_index'] = pd.Series([1.5, None, 3.0], index=pd.Index(['r1', 'r2', 'r3'], name='row'), name='v')
    out['series_int_pyarrow'] = pd.Series(pd.array([1, None, 3], dtype='int64[pyarrow]'), name='n')
    out['df_empty_str'] = pd.DataFrame({'s': pd.array([], dtype='str'), 'i': pd.array([], dtype='int64[pyarrow]')})
    return out


def arrow_objects():
    table = pa.table({'i': pa.array([1, None, 3], pa.int64()), 's': pa.array(['a', 'b', None]),
                      'ts': pa.array([0, None, 1_700_000_000_123_456], pa.timestamp('us', tz='UTC')),
                      'l': pa.array([[1.0], None, []], pa.list_(pa.float64()))})
    return {
        'pa_table': table,
        'pa_table_chunked': pa.concat_tables([table, table.slice(1, 2)]),
        'pa_record_batch': table.to_batches()[0],
        'pa_array_large_string': pa.array(['x', None, 'yz'], pa.large_string()),
        'pa_chunked_array': pa.chunked_array([[1, 2], [], [None, 4]], pa.int64()),
    }


def showntell():
    # the same structures as examples/pickles/, re-saved by pandas 3 with pyarrow installed: their string
    # columns and column labels are now ArrowStringArray
    return {'modernized_run_data': generate_examples.modernized(), 'combined_plotting_data_matched': generate_examples.matched()}


# ── hostile variants: real layouts with one field broken ─────────────────────────────────────────────────

def restore_tuple_pickle(type_alias, length, null_count, offset, buffers, children=b']', dictionary=b'N'):
    """pyarrow.lib._restore_array((type_for_alias(alias), length, null_count, offset, [py_buffer(b)…], children, dictionary))."""
    def sbu(s):
        b = s.encode()
        return b'\x8c' + bytes([len(b)]) + b
    def integer(n):
        return b'\x8a\x08' + n.to_bytes(8, 'little', signed=True)
    out = b'\x80\x04' + sbu('pyarrow.lib') + sbu('_restore_array') + b'\x93('
    out += sbu('pyarrow.lib') + sbu('type_for_alias') + b'\x93' + sbu(type_alias) + b'\x85R'
    out += integer(length) + integer(null_count) + integer(offset) + b']('
    for buf in buffers:
        if buf is None:
            out += b'N'
        else:
            out += sbu('pyarrow.lib') + sbu('py_buffer') + b'\x93' + b'\x96' + len(buf).to_bytes(8, 'little') + buf + b'\x85R'
    out += b'e' + children + dictionary + b't\x85R.'
    return out


def nested_lists(depth):
    """A list<list<…<int64>>> array `depth` levels deep, built by pyarrow itself."""
    t = pa.int64()
    arr = pa.array([1], t)
    for _ in range(depth):
        arr = pa.ListArray.from_arrays(pa.array([0, 1], pa.int32()), arr)
    return pickle.dumps(arr, protocol=4)


def hostile():
    i64 = lambda *xs: b''.join(x.to_bytes(8, 'little', signed=True) for x in xs)
    i32 = lambda *xs: b''.join(x.to_bytes(4, 'little', signed=True) for x in xs)
    h = {}
    h['short_data_buffer'] = (restore_tuple_pickle('int64', 4, 0, 0, [None, i64(1, 2, 3)]), 'data buffer has 24 bytes')
    h['short_validity_buffer'] = (restore_tuple_pickle('int64', 20, 1, 0, [b'\xff', i64(*range(20))]), 'validity buffer has 1 bytes')
    h['offset_past_buffer'] = (restore_tuple_pickle('int64', 2, 0, 3, [None, i64(1, 2, 3, 4)]), 'data buffer has 32 bytes')
    h['string_offsets_out_of_range'] = (restore_tuple_pickle('string', 2, 0, 0, [None, i32(0, 1, 99), b'ab']), 'offset 99')
    h['string_offsets_decreasing'] = (restore_tuple_pickle('string', 2, 0, 0, [None, i32(0, 2, 1), b'ab']), 'decrease')
    h['string_negative_offset'] = (restore_tuple_pickle('large_string', 1, 0, 0, [None, i64(-5, 1), b'ab']), 'offset -5')
    h['huge_length'] = (restore_tuple_pickle('int8', 2**40, 0, 0, [None, b'\x00' * 8]), 'length 1099511627776')
    h['negative_length'] = (restore_tuple_pickle('int8', -1, 0, 0, [None, b'']), 'length -1')
    h['null_count_above_length'] = (restore_tuple_pickle('int8', 2, 3, 0, [None, b'\x00\x00']), 'null count 3')
    h['unknown_type_alias'] = (restore_tuple_pickle('os.system', 1, 0, 0, [None, b'\x00']), "unknown pyarrow type alias 'os.system'")
    h['too_few_buffers'] = (restore_tuple_pickle('string', 1, 0, 0, [None, i32(0, 1)]), 'expects 3 buffers')
    h['missing_data_buffer'] = (restore_tuple_pickle('double', 1, 0, 0, [None, None]), 'data buffer is missing')
    h['invalid_utf8'] = (restore_tuple_pickle('string', 1, 0, 0, [None, i32(0, 2), b'\xff\xfe']), 'not valid UTF-8')
    h['deep_nesting'] = (nested_lists(100), 'nested deeper than')
    # a list array whose child is shorter than its offsets promise
    child = b']((' + b'\x8c\x0bpyarrow.lib\x8c\x0etype_for_alias\x93\x8c\x06double\x85R' + b'K\x01K\x00K\x00](N\x8c\x0bpyarrow.lib\x8c\x09py_buffer\x93\x96' + (8).to_bytes(8, 'little') + b'\x00' * 8 + b'\x85Re]Nte'
    lst = restore_tuple_pickle('int64', 1, 0, 0, [None, i32(0, 5)], children=child)
    lst = lst.replace(b'\x8c\x0etype_for_alias\x93\x8c\x05int64\x85R',
                      b'\x8c\x05list_\x93\x8c\x0bpyarrow.lib\x8c\x0etype_for_alias\x93\x8c\x06double\x85R\x85R', 1)
    h['list_child_too_short'] = (lst, 'child has 1 values')
    # a dictionary array whose index points past its 2 values
    good = pickle.dumps(pa.array(['lo', 'hi', 'lo']).dictionary_encode(), protocol=4)
    indices = i32(0, 1, 0)
    assert good.count(indices) == 1
    h['dictionary_index_out_of_range'] = (good.replace(indices, i32(0, 7, 0)), 'dictionary index 7')
    # a struct whose field array is shorter than the struct
    good = pickle.dumps(pa.array([{'a': 1}, {'a': 2}, {'a': 3}]), protocol=4)
    child_length = good.index(b'K\x03', good.index(b'K\x03') + 1)  # the struct's length comes first, then its child's
    h['struct_child_too_short'] = (good[:child_length] + b'K\x02' + good[child_length + 2:], 'the parent needs elements 0…3 of its 2')
    return h


def pyarrow_verdict(data):
    """What pyarrow itself does with the pickle, in a child process (some of these crash it): recorded, not compared."""
    code = 'import pickle, sys; pickle.loads(sys.stdin.buffer.read())'
    r = subprocess.run([sys.executable, '-c', code], input=data, capture_output=True, timeout=60)
    if r.returncode == 0:
        return 'pyarrow loads it'
    if r.returncode < 0:
        return f'pyarrow crashes (signal {-r.returncode})'
    last = r.stderr.decode(errors='replace').strip().splitlines()[-1:]
    return f'pyarrow refuses: {last[0][:160] if last else r.returncode}'


def main():
    global ROOT
    pandas2 = pd.__version__.startswith('2.')
    if pandas2:
        ROOT = os.path.join(ROOT, 'pandas2')
    os.makedirs(os.path.join(ROOT, 'hostile'), exist_ok=True)
    expected = {}
    producer = f'pandas {pd.__version__}, numpy {np.__version__}, pyarrow {pa.__version__}'
    objs = {**frames(), **arrow_objects(), **showntell()}
    if pandas2:
        # pandas 2's `string[pyarrow_numpy]` (ArrowStringArrayNumpySemantics), the forerunner of pandas 3's `str`
        objs['df_string_pyarrow_numpy'] = pd.DataFrame({'s': pd.array(['a', None, 'c'], dtype='string[pyarrow_numpy]')})
    for name, obj in objs.items():
        for protocol in (4, 5):
            rel = f'{name}.p{protocol}.pkl'
            data = pickle.dumps(obj, protocol=protocol)
            assert canonical(pickle.loads(data)) == canonical(obj)
            with open(os.path.join(ROOT, rel), 'wb') as f:
                f.write(data)
            expected[rel] = {'value': canonical(obj), 'producer': producer, 'protocol': protocol}
    # what pandas.to_pickle writes (protocol 5), the way the showntell frame is saved upstream
    path = os.path.join(ROOT, 'combined_plotting_data_matched.to_pickle.pkl')
    objs['combined_plotting_data_matched'].to_pickle(path)
    expected['combined_plotting_data_matched.to_pickle.pkl'] = {'value': canonical(pd.read_pickle(path)),
                                                                'producer': producer, 'protocol': 'to_pickle default'}
    for name, (data, message) in ({} if pandas2 else hostile()).items():
        rel = f'hostile/{name}.pkl'
        with open(os.path.join(ROOT, rel), 'wb') as f:
            f.write(data)
        expected[rel] = {'error': message, 'pyarrow': pyarrow_verdict(data)}
    if pandas2:
        os.rmdir(os.path.join(ROOT, 'hostile'))
    with open(os.path.join(ROOT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write('\n')
    print(f'wrote {len(expected)} fixtures to {os.path.normpath(ROOT)}')


if __name__ == '__main__':
    main()
