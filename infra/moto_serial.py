"""Runs moto's own server application (DynamoDB, S3, ...) one request at a time.

Why not plain `moto_server`: it serves requests on many threads, and moto's DynamoDB backend
takes no lock, so two concurrent conditional writes or transactions can interleave (both
pass their condition; a cancelled transaction restores a table snapshot taken before a
concurrent commit). Real DynamoDB never does that. Serving one request at a time gives the
emulator DynamoDB's atomic, serializable behaviour for single-item conditional writes and
transactions, which the concurrency tests depend on.

Also: moto backs up every table a transaction touches with a deep copy of the whole table,
which makes each transaction O(table size). Here a transaction instead keeps an undo log of
exactly the items it names, and restores them if it is cancelled. Same outcome, O(items).

And: moto's `Table.query` starts from `all_items()`, which sorts the whole table on every
query, although the query sorts its own results again. Here a query starts from the items
unsorted. Same results, O(n) instead of O(n log n) per query.

And: moto renders every response through a generic model-driven serializer, which for a
page of items costs tens of milliseconds. The item operations (Query, GetItem, PutItem,
TransactWriteItems, ...) already hold DynamoDB's wire JSON, so they are written with
`json.dumps`; a response that does not fit goes the usual way.

And: moto answers a query on a global secondary index by testing every item of the table.
Here each table keeps a map from (index hash attribute, value) to its items, maintained on
every put, delete, update and transaction rollback, and an index query starts from that
bucket. The query still applies all of moto's own conditions, sorting and paging to it.

Usage: moto_serial.py -H 127.0.0.1 -p 4567
"""

import argparse
import copy
import json
import threading

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.core.responses import ActionResult
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.moto_server.threaded_moto_server import MotoRequestHandler  # noqa: F401 (kept for parity)
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_original_transact = DynamoDBBackend.transact_write_items


class _NoTableCopy:
    """Stands in for the `copy` module inside moto's transaction: no whole-table copies."""

    @staticmethod
    def deepcopy(value, memo=None):
        return value


def _key_of(table, op):
    attrs = op.get("Item") or op.get("Key") or {}
    hash_attr = attrs.get(table.hash_key_attr)
    if hash_attr is None:
        return None
    range_attr = attrs.get(table.range_key_attr) if table.range_key_attr else None
    return DynamoType(hash_attr), (DynamoType(range_attr) if range_attr is not None else None)


def _transact_write_items(self, transact_items):
    undo = []
    for entry in transact_items:
        _, op = next(iter(entry.items()))
        table = self.tables.get(op.get("TableName"))
        if table is None:
            continue
        key = _key_of(table, op)
        if key is None:
            continue
        hash_value, range_value = key
        if table.has_range_key and range_value is None:
            continue
        current = table.get_item(hash_value, range_value)
        undo.append((table, hash_value, range_value, copy.deepcopy(current)))
    dynamodb_models.copy = _NoTableCopy
    try:
        return _original_transact(self, transact_items)
    except Exception:
        for table, hash_value, range_value, item in reversed(undo):
            buckets = _buckets(table)
            buckets.remove(_current(table, hash_value, range_value))
            buckets.add(item)
            if table.has_range_key:
                bucket = table.items[hash_value]
                if item is None:
                    bucket.pop(range_value, None)
                else:
                    bucket[range_value] = item
                if not bucket:
                    table.items.pop(hash_value, None)
            elif item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        raise
    finally:
        dynamodb_models.copy = copy


DynamoDBBackend.transact_write_items = _transact_write_items

_original_query = Table.query


def _unsorted_items(table):
    if table.range_key_attr:
        return [item for by_range in table.items.values() for item in by_range.values()]
    return list(table.items.values())


def _value_key(value):
    return (value.type, json.dumps(value.value, sort_keys=True, default=str))


class _GsiBuckets:
    """(index hash attribute, value) -> {id(item): item} for one table."""

    def __init__(self, table):
        self.attrs = sorted({
            key["AttributeName"]
            for index in (table.global_indexes or [])
            for key in index.schema
            if key["KeyType"] == "HASH"
        })
        self.buckets = {}
        self.memberships = {}
        for item in _unsorted_items(table):
            self.add(item)

    def add(self, item):
        if item is None:
            return
        keys = []
        for attr in self.attrs:
            value = item.attrs.get(attr)
            if value is not None:
                key = (attr, _value_key(value))
                self.buckets.setdefault(key, {})[id(item)] = item
                keys.append(key)
        self.memberships[id(item)] = keys

    def remove(self, item):
        if item is None:
            return
        for key in self.memberships.pop(id(item), []):
            bucket = self.buckets.get(key)
            if bucket is not None:
                bucket.pop(id(item), None)

    def items(self, attr, value):
        return list(self.buckets.get((attr, _value_key(value)), {}).values())


def _buckets(table):
    buckets = table.__dict__.get("_proxima_gsi")
    if buckets is None:
        buckets = _GsiBuckets(table)
        table.__dict__["_proxima_gsi"] = buckets
    return buckets


def _current(table, hash_value, range_value):
    try:
        return table.get_item(hash_value, range_value)
    except Exception:
        return None


_original_put = Table.put_item
_original_delete = Table.delete_item
_original_update = DynamoDBBackend.update_item


def _put_item(self, item_attrs, *args, **kwargs):
    buckets = _buckets(self)
    hash_value = DynamoType(item_attrs[self.hash_key_attr])
    range_value = DynamoType(item_attrs[self.range_key_attr]) if self.range_key_attr else None
    old = _current(self, hash_value, range_value)
    new = _original_put(self, item_attrs, *args, **kwargs)
    buckets.remove(old)
    buckets.add(_current(self, hash_value, range_value))
    return new


def _delete_item(self, hash_key, range_key):
    item = _original_delete(self, hash_key, range_key)
    _buckets(self).remove(item)
    return item


def _update_item(self, table_name, key, *args, **kwargs):
    result = _original_update(self, table_name, key, *args, **kwargs)
    table = self.get_table(table_name)
    hash_value = DynamoType(key[table.hash_key_attr])
    range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
    item = _current(table, hash_value, range_value)
    buckets = _buckets(table)
    buckets.remove(item)  # attributes may have changed in place
    buckets.add(item)
    return result


Table.put_item = _put_item
Table.delete_item = _delete_item
DynamoDBBackend.update_item = _update_item


def _query(self, *args, **kwargs):
    # The query re-sorts what it selects, so it does not need all_items() sorted; an index
    # query with an equality on the index hash key starts from that key's bucket.
    conditions = kwargs.get("hash_key_conditions") or []
    index_name = args[7] if len(args) > 7 else kwargs.get("index_name")
    buckets = _buckets(self) if index_name and conditions else None
    if buckets is not None and conditions[0][0] in buckets.attrs:
        attr, value = conditions[0]
        self.all_items = lambda: buckets.items(attr, value)
    else:
        self.all_items = lambda: _unsorted_items(self)
    try:
        return _original_query(self, *args, **kwargs)
    finally:
        del self.all_items


Table.query = _query

_WIRE_JSON_ACTIONS = {
    "Query", "Scan", "GetItem", "BatchGetItem", "PutItem", "UpdateItem", "DeleteItem",
    "BatchWriteItem", "TransactWriteItems", "TransactGetItems",
}
_original_serialized = DynamoHandler.serialized


def _wire_default(value):
    if isinstance(value, DynamoType):
        return value.to_regular_json()
    raise TypeError(type(value).__name__)


def _drop_nulls(value):
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    return value


def _serialized(self, action_result):
    if (
        type(action_result) in (ActionResult, DynamoResult)
        and isinstance(action_result.result, dict)
        and self._get_action() in _WIRE_JSON_ACTIONS
    ):
        try:
            body = json.dumps(_drop_nulls(action_result.result), default=_wire_default)
        except (TypeError, ValueError):
            return _original_serialized(self, action_result)
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        headers.update(self.response_headers)
        return 200, headers, body
    return _original_serialized(self, action_result)


DynamoHandler.serialized = _serialized


class _OneAtATime:
    """Computes one response at a time (every backend is touched by one request at once, as
    above), but sends each response body outside the lock: a client that reads a large body
    slowly (a streamed S3 download, while it writes what it read to DynamoDB) does not stop
    the emulator from serving its other requests, as the real services would not."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            result = self.app(environ, start_response)
            try:
                body = list(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        return body


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=4567)
    args = parser.parse_args()
    app = _OneAtATime(DomainDispatcherApplication(create_backend_app))
    run_simple(args.host, args.port, app, threaded=True, use_reloader=False)


if __name__ == "__main__":
    main()
