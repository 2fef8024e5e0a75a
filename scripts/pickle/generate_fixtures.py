#!/usr/bin/env python3
"""Writes the pickle fixtures of test/fixtures/pickle/ and their expected values.

Run offline with Debian's python3-pandas (pandas 1.5, numpy 1.24):
    /usr/bin/python3 scripts/pickle/generate_fixtures.py
Tests never run this; they read the committed .pkl files and expected.json.

* real/       pickles written by real pandas/numpy, protocols 2-5 (and df.to_pickle defaults)
* constructed/ pickles for numpy 2 / pandas 3 (and pandas 1.3 new_block) global names that cannot be produced here: real pandas objects
              pickled by Python's own (pure-Python) pickler with the global names renamed as documented in
              reference/pickle-format.md §2 (marked "constructed": true in expected.json)
* hostile/    pickles that must be refused (expected.json gives a fragment of the error message)
"""
import copyreg
import datetime
import io
import json
import math
import os
import pickle
import pickletools
import struct
import sys
import types
from collections import OrderedDict

import numpy as np
import pandas as pd

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'pickle')


# ── canonical JSON (mirrored by ingest/pickle/canonical.ts) ─────────────────────────────────────────

def jfloat(x):
    x = float(x)
    if x == 0 and math.copysign(1, x) < 0:
        return {'$float': '-0'}
    if math.isnan(x):
        return {'$float': 'nan'}
    if math.isinf(x):
        return {'$float': 'inf' if x > 0 else '-inf'}
    return x


def jint(x):
    x = int(x)
    return x if -(2**53) <= x <= 2**53 else {'$int': str(x)}


def unit_of(dtype):
    return np.datetime_data(dtype)[0]


def jdtype(dtype):
    return str(dtype)


def cell(x):
    """One value, as the TS lowering renders it."""
    if x is None:
        return None
    if x is pd.NA:
        return {'$na': None}
    if x is pd.NaT:
        return {'$nat': None}
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, pd.Timestamp):
        return {'$timestamp': str(x.value), 'tz': str(x.tz) if x.tz is not None else None}
    if isinstance(x, pd.Timedelta):
        return {'$timedelta64': str(x.value), 'unit': 'ns'}
    if isinstance(x, np.datetime64):
        if np.isnat(x):
            return {'$nat': None}
        return {'$datetime64': str(x.astype('int64')), 'unit': unit_of(x.dtype)}
    if isinstance(x, np.timedelta64):
        if np.isnat(x):
            return {'$nat': None}
        return {'$timedelta64': str(x.astype('int64')), 'unit': unit_of(x.dtype)}
    if isinstance(x, (int, np.integer)):
        return jint(x)
    if isinstance(x, (float, np.floating)):
        return jfloat(x)
    if isinstance(x, (complex, np.complexfloating)):
        return {'$complex': [jfloat(x.real), jfloat(x.imag)]}
    if isinstance(x, (str, np.str_)):
        return str(x)
    if isinstance(x, (bytes, bytearray, np.bytes_)):
        return {'$bytes': bytes(x).hex()}
    if isinstance(x, datetime.datetime):
        return {'$datetime': x.isoformat()}
    if isinstance(x, datetime.date):
        return {'$date': x.isoformat()}
    if isinstance(x, datetime.time):
        return {'$time': x.isoformat()}
    if isinstance(x, datetime.timedelta):
        return {'$timedelta': [x.days, x.seconds, x.microseconds]}
    if isinstance(x, tuple):
        return {'$tuple': [cell(v) for v in x]}
    if isinstance(x, list):
        return [cell(v) for v in x]
    if isinstance(x, dict):
        return {'$dict': [[cell(k), cell(v)] for k, v in x.items()]}
    if isinstance(x, (set, frozenset)):
        items = [cell(v) for v in x]
        return {'$set': sorted(items, key=lambda v: json.dumps(v, sort_keys=True))}
    if isinstance(x, slice):
        return {'$slice': [cell(x.start), cell(x.stop), cell(x.step)]}
    if isinstance(x, np.ndarray):
        return {'$ndarray': {'dtype': jdtype(x.dtype), 'shape': list(x.shape),
                             'data': [cell(v) for v in x.ravel(order='C').tolist()]
                             if x.dtype.kind not in 'mM' else [cell(v) for v in x.ravel(order='C')]}}
    if isinstance(x, pd.DataFrame):
        return {'$dataframe': {'columns': [cell(c) for c in x.columns],
                               'dtypes': [jdtype(t) for t in x.dtypes],
                               'index': jindex(x.index),
                               'data': [series_values(x.iloc[:, i]) for i in range(x.shape[1])]}}
    if isinstance(x, pd.Series):
        return {'$series': {'name': cell(x.name), 'dtype': jdtype(x.dtype), 'index': jindex(x.index),
                            'data': series_values(x)}}
    if isinstance(x, pd.Index):
        return {'$index': jindex(x)}
    raise TypeError(f'no canonical form for {type(x)}')


def series_values(s):
    if s.dtype.kind in 'mM':
        return [cell(v) for v in s.array]
    return [cell(v) for v in s.tolist()]


def jindex(idx):
    if isinstance(idx, pd.RangeIndex):
        return {'names': [cell(idx.name)], 'range': [idx.start, idx.stop, idx.step]}
    levels = []
    for i in range(idx.nlevels):
        lv = idx.get_level_values(i)
        levels.append({'dtype': jdtype(lv.dtype), 'data': series_values(pd.Series(lv, dtype=lv.dtype))})
    return {'names': [cell(n) for n in idx.names], 'levels': levels}


# ── real fixtures ────────────────────────────────────────────────────────────────────────────────

def frames():
    rng = np.random.default_rng(7)
    out = {}
    out['df_numeric'] = pd.DataFrame({
        'f64': [1.5, float('nan'), float('inf'), -0.0],
        'f32': np.array([1, 2, 3, 4], dtype='float32') / 8,
        'i64': np.array([1, -2, 2**40, -(2**62)], dtype='int64'),
        'i32': np.array([1, 2, 3, -4], dtype='int32'),
        'i8': np.array([1, 2, 3, -4], dtype='int8'),
        'u8': np.array([0, 1, 200, 255], dtype='uint8'),
        'u64': np.array([0, 1, 2**63, 2**64 - 1], dtype='uint64'),
        'b': [True, False, True, False],
    })
    out['df_mixed'] = pd.DataFrame({
        'name': ['a', 'b', None, 'ünï'],
        'x': [1.0, 2.0, 3.0, 4.0],
        'lists': [[1.0, 2.0], [], [3.5], None],
        'mixed': ['6250', 10000.0, None, 3],
        'when': pd.to_datetime(['2020-01-01', '2021-06-30 12:34:56.789', None, '1969-12-31 23:59:59']),
        'dur': pd.to_timedelta(['1 days', '2 hours', None, '-1 s']),
    })
    out['df_extension'] = pd.DataFrame({
        'I64': pd.array([1, None, 3, 2**40], dtype='Int64'),
        'I8': pd.array([1, None, -3, 4], dtype='Int8'),
        'F64': pd.array([1.5, None, 3.0, float('nan')], dtype='Float64'),
        'bo': pd.array([True, None, False, True], dtype='boolean'),
        'st': pd.array(['x', None, 'z', ''], dtype='string'),
        'cat': pd.Categorical(['lo', 'hi', None, 'lo'], categories=['lo', 'hi'], ordered=True),
        'utc': pd.to_datetime(['2020-01-01', None, '2020-03-01', '2020-04-01']).tz_localize('UTC'),
        'ny': pd.to_datetime(['2020-01-01', None, '2020-03-01', '2020-04-01']).tz_localize('America/New_York'),
    })
    mi = pd.MultiIndex.from_tuples([('a', 1), ('a', 2), ('b', 1)], names=['k', 'n'])
    out['df_multiindex'] = pd.DataFrame({'v': [1.0, 2.0, 3.0]}, index=mi)
    out['df_dtindex'] = pd.DataFrame({'v': [1, 2, 3]},
                                     index=pd.date_range('2024-01-01', periods=3, freq='D', name='day'))
    out['df_strindex'] = pd.DataFrame({'v': [1, 2]}, index=pd.Index(['r1', 'r2'], name='row'))
    out['df_2d_fortran'] = pd.DataFrame(np.asfortranarray(rng.standard_normal((5, 3))), columns=['p', 'q', 'r'])
    out['df_int_columns'] = pd.DataFrame({0: [1.0], 1: [2.0], (2, 'x'): [3.0]})
    out['df_empty'] = pd.DataFrame()
    out['series_float'] = pd.Series([1.0, 2.0, float('nan')], name='s', index=['a', 'b', 'c'])
    out['series_obj'] = pd.Series(['x', 1, None], name=None)
    out['index_range'] = pd.RangeIndex(2, 20, 3, name='r')
    out['index_int64'] = pd.Index([5, 6, 7], dtype='int64')
    return out


def plain_values():
    return {
        'plain_scalars': [None, True, False, 0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31,
                          2**63, -(2**63) - 1, 2**100, -(2**3000), 1.5, float('nan'), float('-inf'), -0.0,
                          'ascii', 'ünïcødé ✓ 𝄞', '', b'\x00\xffbytes', bytearray(b'ba'), complex(1, -2)],
        'plain_containers': {'list': [1, [2, [3]]], 'tuple': (1, 'a', (2,)), 'set': {1, 2, 3},
                             'frozenset': frozenset({'a'}), 'nested': {'k': {'k2': []}},
                             (1, 2): 'tuple key', 3: 'int key', '__proto__': {'polluted': 1},
                             'constructor': 'c', 'od': OrderedDict([('z', 1), ('a', 2)])},
        'plain_datetime': [datetime.datetime(2024, 2, 29, 13, 14, 15, 123456),
                           datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc),
                           datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=-5))),
                           datetime.date(1999, 12, 31), datetime.time(23, 59, 1, 5),
                           datetime.timedelta(days=-1, seconds=5, microseconds=7)],
        'numpy_scalars': [np.float64(1.25), np.float32(0.5), np.int64(-7), np.int32(7), np.uint8(200),
                          np.bool_(True), np.datetime64('2020-01-02T03:04:05', 's'),
                          np.datetime64('NaT', 'ns'), np.timedelta64(90, 'm'), np.str_('ab'),
                          np.complex128(1 + 2j)],
        'numpy_arrays': [np.arange(6, dtype='int64').reshape(2, 3),
                         np.asfortranarray(np.arange(6, dtype='float64').reshape(2, 3)),
                         np.array([1, 2, 3], dtype='>i4'), np.array([1.5, -2.5], dtype='>f8'),
                         np.array(['a', 'bcd', ''], dtype='U3'), np.array([b'x', b'yz'], dtype='S2'),
                         np.array([1, 'two', None], dtype=object), np.array([True, False]),
                         np.array(['2020-01-01', 'NaT'], dtype='datetime64[ms]'),
                         np.array([1, -1], dtype='timedelta64[s]'), np.array([1 + 1j], dtype='complex64'),
                         np.zeros((0, 2), dtype='float32'), np.float16(1.5) * np.ones(2, dtype='float16')],
        'pandas_scalars': [pd.Timestamp('2020-01-02 03:04:05.000000006'), pd.NaT, pd.NA,
                           pd.Timestamp('2020-01-01', tz='UTC'), pd.Timedelta('1 days 00:00:01')],
        # dr_wandb 1329994 CLI exports (upstream-sources.md §2.4): runs list[dict], histories list[list[dict]]
        'drwandb_runs': [{'run_id': 'r1', 'run_name': 'r1', 'state': 'finished', 'project': 'ft-scaling',
                          'entity': 'ml-moe', 'created_at': datetime.datetime(2025, 8, 19, 5, 36, 1),
                          'config': {'learning_rate': 5e-05, 'seed': 42}, 'summary': {'_step': 10, 'train_loss': 2.5},
                          'wandb_metadata': {}, 'system_metrics': {}, 'system_attrs': {'tags': ['a']},
                          'sweep_info': {'sweep_id': None, 'sweep_url': None}}],
        'drwandb_histories': [[{'run_id': 'r1', 'step': s, 'timestamp': datetime.datetime(2025, 8, 19, 5, 36, s),
                                'runtime': float(s), 'wandb_metadata': {'runtime': s},
                                'metrics': {'train_loss': 3.0 - s / 10, 'learning_rate': 5e-05}} for s in range(3)],
                              []],
    }


def write(name, obj, protocol, expected, meta):
    path = os.path.join(ROOT, 'real', f'{name}.p{protocol}.pkl')
    with open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=protocol)
    expected[f'real/{name}.p{protocol}.pkl'] = {'value': cell(obj), **meta}
    return path


# ── constructed fixtures: re-encode a real pickle with renamed globals ──────────────────────────

NUMPY2 = {'numpy.core.multiarray': 'numpy._core.multiarray', 'numpy.core.numeric': 'numpy._core.numeric'}
PANDAS3 = {('pandas.core.frame', 'DataFrame'): ('pandas', 'DataFrame'),
           ('pandas.core.series', 'Series'): ('pandas', 'Series'),
           ('pandas.core.indexes.base', 'Index'): ('pandas', 'Index'),
           ('pandas.core.indexes.range', 'RangeIndex'): ('pandas', 'RangeIndex'),
           ('pandas.core.arrays.categorical', 'Categorical'): ('pandas', 'Categorical'),
           ('pandas.core.arrays.string_', 'StringArray'): ('pandas.arrays', 'StringArray'),
           ('pandas._libs.missing', 'NA'): ('pandas', 'NA'),
           ('pandas.core.arrays.integer', 'Int64Dtype'): ('pandas', 'Int64Dtype')}


class RenamingPickler(pickle._Pickler):
    """The pure-Python pickler, writing renamed module/name pairs for globals (numpy 2 / pandas 3 names)."""

    def __init__(self, file, protocol, modules, names, legacy_manager=False):
        super().__init__(file, protocol=protocol)
        self.modules = modules
        self.names = names
        self.legacy_manager = legacy_manager

    def reducer_override(self, obj):
        # pandas <= 1.2 pickled a BlockManager as NEWOBJ + the '0.14.1' state tuple of its __getstate__
        # (pandas/core/internals/managers.py before 1.3); pandas 1.5 no longer writes or reads this form
        if self.legacy_manager and type(obj).__name__ == 'BlockManager':
            blocks = obj.blocks
            axes = list(obj.axes)
            extra = {'0.14.1': {'axes': axes, 'blocks': [{'values': b.values, 'mgr_locs': b.mgr_locs.indexer}
                                                          for b in blocks]}}
            state = (axes, [b.values for b in blocks], [obj.items[b.mgr_locs.indexer] for b in blocks], extra)
            return copyreg.__newobj__, (type(obj),), state
        return NotImplemented

    def save_global(self, obj, name=None):
        if name is None:
            name = getattr(obj, '__qualname__', None) or obj.__name__
        module = pickle.whichmodule(obj, name)
        module, name = self.names.get((module, name), (self.modules.get(module, module), name))
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + module.encode() + b'\n' + name.encode() + b'\n')
        self.memoize(obj)

    # the base class's dispatch table holds the original save_global for classes and functions
    dispatch = pickle._Pickler.dispatch.copy()
    dispatch[type] = save_global
    dispatch[types.FunctionType] = save_global


# pandas 1.3.x wrote blocks as REDUCE pandas.core.internals.blocks.new_block(values, placement, ndim)
PANDAS13 = {('pandas._libs.internals', '_unpickle_block'): ('pandas.core.internals.blocks', 'new_block')}


def renamed_pickle(obj, protocol, modules, names, legacy_manager=False):
    out = io.BytesIO()
    RenamingPickler(out, protocol, modules, names, legacy_manager).dump(obj)
    return out.getvalue()


# ── hostile fixtures ─────────────────────────────────────────────────────────────────────────────

def hostile():
    h = {}
    h['os_system'] = (b'cos\nsystem\n(S\'echo pwned > /tmp/mlduck-pwned\'\ntR.', 'global not allowed: os.system')
    h['os_system_p4'] = (b'\x80\x04\x8c\x02os\x8c\x06system\x93\x8c\x04echo\x85R.', 'global not allowed: os.system')
    h['builtins_eval'] = (b'\x80\x02c__builtin__\neval\nX\x04\x00\x00\x001+1\x85R.', 'global not allowed: __builtin__.eval')
    h['builtins_exec_p4'] = (b'\x80\x04\x8c\x08builtins\x8c\x04exec\x93\x8c\x01x\x85R.', 'global not allowed: builtins.exec')
    h['subprocess'] = (b'\x80\x04\x8c\nsubprocess\x8c\x05Popen\x93.', 'global not allowed: subprocess.Popen')
    h['getattr_generic'] = (b'\x80\x04\x8c\x08builtins\x8c\x07getattr\x93\x8c\x02os\x8c\x06system\x86R.',
                            'builtins.getattr is only allowed')
    h['dotted_name'] = (b'\x80\x04\x8c\x05numpy\x8c\x0fdtype.__class__\x93.', 'dotted attribute paths')
    h['numpy_builtins'] = (b'\x80\x04\x8c\x05numpy\x8c\x0c__builtins__\x93.', 'global not allowed: numpy.__builtins__')
    h['copyreg_reconstructor'] = (b'ccopy_reg\n_reconstructor\n(c__main__\nC\nc__builtin__\nobject\nNtR.',
                                  'global not allowed: copy_reg._reconstructor')
    h['build_on_global'] = (b'\x80\x04\x8c\x05numpy\x8c\x05dtype\x93}\x8c\x01a\x8c\x02ossb.', 'BUILD on global')
    h['memo_bomb_long_binput'] = (b']r\xff\xff\xff\x7f.', None)  # valid: sparse memo index, must not allocate
    h['memo_get_missing'] = (b'\x80\x02]j\xff\xff\xff\x7f.', 'memo value not found')
    h['huge_binbytes8'] = (b'\x80\x04\x8e' + struct.pack('<Q', 2**62) + b'xx.', 'declared length')
    h['huge_binunicode8'] = (b'\x80\x04\x8d' + struct.pack('<Q', 2**64 - 1) + b'.', 'declared length')
    h['huge_bytearray8'] = (b'\x80\x05\x96' + struct.pack('<Q', 2**40) + b'.', 'declared length')
    h['huge_binunicode'] = (b'\x80\x03X\xff\xff\xff\x7f' + b'a' * 8 + b'.', 'declared length')
    h['huge_long4'] = (b'\x80\x02\x8b' + struct.pack('<i', 2**31 - 1) + b'\x00.', 'integer size limit')
    h['negative_long4'] = (b'\x80\x02\x8b' + struct.pack('<i', -5) + b'.', 'negative byte count')
    h['huge_frame'] = (b'\x80\x04\x95' + struct.pack('<Q', 2**63) + b'N.', 'declared length')
    h['deep_marks'] = (b'\x80\x02' + b'(' * 100000 + b'.', 'nesting deeper than the limit')
    h['deep_lists'] = (b'\x80\x02' + b']' * 20000 + b'a' * 19999 + b'.', 'nesting deeper than')
    laughs = b'\x80\x02]q\x00'
    for i in range(40):
        laughs += b'h' + bytes([i]) + b'h' + bytes([i]) + b'\x86q' + bytes([i + 1])
    h['billion_laughs'] = (laughs + b'.', 'expanded size')
    h['self_cycle'] = (b'\x80\x02]q\x00h\x00a.', 'cycle')
    h['next_buffer'] = (b'\x80\x05\x97.', 'out-of-band buffers')
    h['persid'] = (b'Pfoo\n.', 'persistent ids')
    h['ext1'] = (b'\x80\x02\x82\x01.', 'extension codes')
    h['inst'] = (b'(ios\nsystem\nS\'ls\'\n.', 'old-style instances')
    h['newobj_ex'] = (b'\x80\x04\x8c\x08builtins\x8c\x03set\x93)}\x92.', 'NEWOBJ_EX')
    h['bad_proto'] = (b'\x80\x06N.', 'unsupported pickle protocol')
    h['truncated'] = (pickle.dumps([1, 2, 3], protocol=4)[:-3], 'truncated')
    h['empty'] = (b'', 'truncated')
    h['trailing_data'] = (pickle.dumps(1, protocol=4) + b'junk', 'trailing data')
    h['stack_underflow'] = (b'\x80\x02a.', 'stack underflow')
    h['no_mark'] = (b'\x80\x02Nt.', 'could not find MARK')
    h['bad_opcode'] = (b'\x80\x02\xff.', 'invalid pickle opcode')
    h['setitem_on_list'] = (b'\x80\x02]K\x01K\x02s.', 'only dicts accept items')
    h['append_on_tuple'] = (b'\x80\x02)K\x01a.', 'only lists accept appends')
    h['unhashable_key'] = (b'\x80\x02}]K\x01s.', 'unhashable')
    h['invalid_utf8'] = (b'\x80\x04\x8c\x02\xff\xfe.', 'not valid UTF-8')
    h['ndarray_size_mismatch'] = (ndarray_size_mismatch(), 'does not match')
    h['period'] = (b'\x80\x04' + sbu('pandas._libs.tslibs.period') + sbu('Period') + b'\x93.', 'Period data is not supported')
    h['proto_pollution_build'] = (b'\x80\x04\x8c\x06pandas\x8c\tDataFrame\x93)\x81}\x8c\t__proto__}\x8c\x01xK\x01ssb.',
                                  'DataFrame state has no _mgr')
    return h


def sbu(text):
    b = text.encode()
    return b'\x8c' + bytes([len(b)]) + b


def ndarray_size_mismatch():
    good = pickle.dumps(np.arange(4, dtype='int64'), protocol=2)
    # protocol 2 stores the data via _codecs.encode; shrink the declared shape (4,) -> (5,)
    bad = good.replace(b'K\x04\x85', b'K\x05\x85', 1)
    assert bad != good
    return bad


def main():
    for sub in ('real', 'constructed', 'hostile'):
        os.makedirs(os.path.join(ROOT, sub), exist_ok=True)
    expected = {}
    producer = {'pandas': pd.__version__, 'numpy': np.__version__, 'python': sys.version.split()[0]}
    objs = {**frames(), **plain_values()}
    for name, obj in objs.items():
        for protocol in (2, 3, 4, 5):
            write(name, obj, protocol, expected, {'producer': producer, 'protocol': protocol})
    # df.to_pickle defaults (protocol 5 = HIGHEST_PROTOCOL)
    path = os.path.join(ROOT, 'real', 'df_mixed.to_pickle.pkl')
    objs['df_mixed'].to_pickle(path)
    expected['real/df_mixed.to_pickle.pkl'] = {'value': cell(objs['df_mixed']), 'producer': producer,
                                               'protocol': 'to_pickle default'}
    # constructed: numpy 2 and pandas 3 global names on real pickles
    for name in ('df_numeric', 'df_mixed', 'df_extension', 'numpy_arrays', 'numpy_scalars', 'series_float',
                 'index_range', 'pandas_scalars'):
        for protocol in (4, 5):
            variants = [('numpy2', NUMPY2, {}), ('pandas3_numpy2', NUMPY2, PANDAS3)]
            if name.startswith('df_'):
                variants.append(('pandas13_new_block', {}, PANDAS13))
                variants.append(('pandas12_legacy_manager', {}, {}))
            for label, mods, globs in variants:
                out = renamed_pickle(objs[name], protocol, mods, globs, label == 'pandas12_legacy_manager')
                rel = f'constructed/{name}.{label}.p{protocol}.pkl'
                with open(os.path.join(ROOT, rel), 'wb') as f:
                    f.write(out)
                note = (f'pandas {pd.__version__} objects pickled by Python\'s pure-Python pickler with the {label} '
                        'global names of reference/pickle-format.md §2; constructed, not produced by that library version')
                if label == 'pandas12_legacy_manager':
                    note = (f'pandas {pd.__version__} objects pickled with the pandas <= 1.2 BlockManager layout '
                            '(NEWOBJ + 0.14.1 state, pickle-format.md §2.4); constructed, not produced by pandas 1.2')
                expected[rel] = {'value': cell(objs[name]), 'constructed': True, 'note': note, 'protocol': protocol}
    for name, (data, message) in hostile().items():
        rel = f'hostile/{name}.pkl'
        with open(os.path.join(ROOT, rel), 'wb') as f:
            f.write(data)
        expected[rel] = {'error': message} if message else {'loads': True}
    with open(os.path.join(ROOT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True, ensure_ascii=False)
        f.write('\n')
    print(f'wrote {len(expected)} fixtures to {os.path.normpath(ROOT)}')


if __name__ == '__main__':
    main()
