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

And: moto's `Table.query` tests every item of the table (or, below, of an index bucket),
sorts the matches and walks them from the start to the key range and the exclusive start key,
whatever the `Limit`: a query costs O(table). DynamoDB's B-tree costs what the query returns.
Here each partition (of the table or of a global index) is kept sorted until a write touches
it, the key condition and the exclusive start key are found by bisection, and moto's own query
is handed just that slice (`Limit` items plus the next one, from which moto decides whether to
report a last evaluated key); it still applies all its own conditions, sorting, filters,
projections and paging to them, so the answer is moto's. `infra/emulator_check/
query_differential.py` (in the test command) checks that on random writes and queries.

And: moto renders every response through a generic model-driven serializer, which for a
page of items costs tens of milliseconds. The item operations (Query, GetItem, PutItem,
TransactWriteItems, ...) already hold DynamoDB's wire JSON, so they are written with
`json.dumps`; a response that does not fit goes the usual way.

And: moto answers a query on a global secondary index by testing every item of the table.
Here each table keeps a map from (index hash attribute, value) to its items, maintained on
every put, delete, update and transaction rollback, and an index query starts from that
bucket. The query still applies all of moto's own conditions, sorting and paging to it.

And: moto sorts a query's candidates (a whole partition) by comparing its own value objects
in Python, about 1 s for 10,000 items. Here the sort key is the plain string or decimal of
each key attribute (DynamoDB's order for S and N), compared natively: the same order in
about a hundredth of the time. Other key types take moto's own sort.

And: moto's SQS reads every attribute of a queue (whose approximate counts walk all its
messages, asking the clock twice for each) once per message sent and three times per
message received: with 10,000 messages queued, a receive of 10 took about a second. Here the
retention check reads its one attribute and the counts ask the clock once: same rules.

And: moto keeps every model object it ever created (every item version, every S3 object) in
a class-wide list, for its `/moto-api/data.json` dashboard dump, which then walks all of them
under the one lock: over a whole test run the emulator grew without bound and that dump
stalled every other request for seconds. Here nothing is tracked (the dump is empty), and the
e-mails SES accepted are read from `GET /_proxima/ses/sent?to=<address>`: a JSON list of
`{source, destinations, raw_data}` for the raw messages with a destination containing the
address.

And: moto ignores TransactWriteItems' `ClientRequestToken`; here a token whose transaction
committed makes a repeat of it (the SDK retrying after a lost answer) succeed without writing,
as DynamoDB does for 10 minutes.

Usage: moto_serial.py -H 127.0.0.1 -p 4567
"""

import argparse
import bisect
import copy
import decimal
import inspect
import json
import threading
import time

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
from moto.core.common_models import BaseModel
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

# DynamoDB makes TransactWriteItems idempotent by `ClientRequestToken` for 10 minutes: a call
# that repeats a token whose transaction committed succeeds again without writing, and one
# that repeats it with other items is refused (IdempotentParameterMismatchException). The
# application sends a token so that the SDK's own retry of a committed transaction whose
# answer was lost (a timeout) is not reported as a failed condition. moto ignores the token.
_TOKEN_WINDOW_SECONDS = 600
_committed_tokens = {}
_original_transact_handler = DynamoHandler.transact_write_items


class _IdempotentParameterMismatch(DynamodbException):
    error_type = ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException"

    def __init__(self):
        super().__init__(
            _IdempotentParameterMismatch.error_type,
            message="The request uses the same client token as a previous, but non-identical request.",
        )


def _transact_write_items_once(self):
    token = self.body.get("ClientRequestToken")
    if not token:
        return _original_transact_handler(self)
    now = time.monotonic()
    for old in [t for t, (at, _, _) in _committed_tokens.items() if now - at > _TOKEN_WINDOW_SECONDS]:
        del _committed_tokens[old]
    items = json.dumps(self.body.get("TransactItems"), sort_keys=True)
    seen = _committed_tokens.get(token)
    if seen is not None:
        if seen[1] != items:
            raise _IdempotentParameterMismatch()
        return seen[2]
    result = _original_transact_handler(self)
    _committed_tokens[token] = (now, items, result)
    return result


DynamoHandler.transact_write_items = _transact_write_items_once

_original_query = Table.query


def _unsorted_items(table):
    if table.range_key_attr:
        return [item for by_range in table.items.values() for item in by_range.values()]
    return list(table.items.values())


def _value_key(value):
    return (value.type, json.dumps(value.value, sort_keys=True, default=str))


class _GsiBuckets:
    """(index hash attribute, value) -> {id(item): item} for one table, and the sorted
    partitions queries read (`sorted`), forgotten whenever an item of theirs is written."""

    def __init__(self, table):
        self.attrs = sorted({
            key["AttributeName"]
            for index in (table.global_indexes or [])
            for key in index.schema
            if key["KeyType"] == "HASH"
        })
        self.buckets = {}
        self.memberships = {}
        self.sorted = {}  # partition key -> {index name: _Partition}, dropped on any write to it
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
        self._forget_sorted(item, keys)

    def remove(self, item):
        if item is None:
            return
        keys = self.memberships.pop(id(item), [])
        for key in keys:
            bucket = self.buckets.get(key)
            if bucket is not None:
                bucket.pop(id(item), None)
        self._forget_sorted(item, keys)

    def _forget_sorted(self, item, keys):
        self.sorted.pop(("#table", _value_key(item.hash_key)), None)
        for key in keys:
            self.sorted.pop(key, None)

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
    try:
        return _original_update(self, table_name, key, *args, **kwargs)
    finally:
        # Also when the update failed: moto applies an expression to the live item and does
        # not undo what it set before an error, so the item may have changed either way.
        table = self.get_table(table_name)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        item = _current(table, hash_value, range_value)
        buckets = _buckets(table)
        buckets.remove(item)  # attributes may have changed in place
        buckets.add(item)


Table.put_item = _put_item
Table.delete_item = _delete_item
DynamoDBBackend.update_item = _update_item


_QUERY_SIGNATURE = inspect.signature(_original_query)
_BOUNDS = {
    "=": "EQ", "EQ": "EQ", "<": "LT", "LT": "LT", "<=": "LE", "LE": "LE",
    ">": "GT", "GT": "GT", ">=": "GE", "GE": "GE", "BETWEEN": "BETWEEN",
    "BEGINS_WITH": "BEGINS_WITH",
}


class _Partition:
    """One partition of the table or of a global index, in the query's order: `keys` are the
    plain sort tuples (moto's order: index range key, table hash key, table range key), `first`
    their first member (the range key a key condition bounds), `items` the items."""

    def __init__(self, attrs, items):
        keyed = sorted(
            ((tuple(_plain_key(item.attrs[a]) for a in attrs), item) for item in items),
            key=lambda pair: pair[0],
        )
        self.attrs = attrs
        self.keys = [k for k, _ in keyed]
        self.first = [k[0] for k in self.keys]
        self.items = [item for _, item in keyed]

    def key_range(self, comparison, values):
        """[lo, hi) of the items whose range key meets the key condition."""
        n = len(self.items)
        if comparison is None:
            return 0, n
        op = _BOUNDS[comparison.upper()]
        plain = [_plain_key(v) for v in values]
        if op == "EQ":
            return bisect.bisect_left(self.first, plain[0]), bisect.bisect_right(self.first, plain[0])
        if op == "LT":
            return 0, bisect.bisect_left(self.first, plain[0])
        if op == "LE":
            return 0, bisect.bisect_right(self.first, plain[0])
        if op == "GT":
            return bisect.bisect_right(self.first, plain[0]), n
        if op == "GE":
            return bisect.bisect_left(self.first, plain[0]), n
        if op == "BETWEEN":
            return bisect.bisect_left(self.first, plain[0]), bisect.bisect_right(self.first, plain[1])
        # BEGINS_WITH on a string: every match lies in [prefix, successor of prefix).
        kind, prefix = plain[0]
        if kind != 0 or not prefix or ord(prefix[-1]) >= 0x10FFFF:
            raise TypeError("begins_with")
        successor = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        return bisect.bisect_left(self.first, plain[0]), bisect.bisect_left(self.first, (0, successor))


def _partition(table, index, hash_value):
    """The sorted partition a query reads, cached until a write touches it (see _GsiBuckets)."""
    buckets = _buckets(table)
    if index is None:
        cache_key, name = ("#table", _value_key(hash_value)), ""
    else:
        hash_attrs = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        range_attrs = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        if len(hash_attrs) != 1 or len(range_attrs) != 1 or hash_attrs[0] not in buckets.attrs:
            raise TypeError("index shape")
        cache_key, name = (hash_attrs[0], _value_key(hash_value)), index.name
    per_index = buckets.sorted.setdefault(cache_key, {})
    part = per_index.get(name)
    if part is not None:
        return part
    if index is None:
        by_range = table.items.get(hash_value, {}) if table.range_key_attr else {}
        items = list(by_range.values())
        attrs = [table.range_key_attr]
    else:
        attrs = [range_attrs[0], table.hash_key_attr] + (
            [table.range_key_attr] if table.range_key_attr else []
        )
        items = [i for i in buckets.items(hash_attrs[0], hash_value) if range_attrs[0] in i.attrs]
    part = _Partition(attrs, items)
    per_index[name] = part
    return part


def _query_candidates(table, p):
    """The items moto's own query needs to see to give its exact answer: the key condition's
    range of the partition from the exclusive start key on, `limit` of them, and the next item
    of the partition (moto reports a last evaluated key only when one follows). What DynamoDB
    does with its B-tree: work in proportion to what the query returns, not to the partition."""
    if p.get("filter_kwargs") or len(p.get("range_key_conditions") or []) > 1:
        raise TypeError("legacy or multi-attribute query")
    conditions = p.get("hash_key_conditions") or []
    index_name = p.get("index_name")
    if index_name:
        index = {i.name: i for i in table.global_indexes or []}.get(index_name)
        if index is None or len(conditions) != 1:
            raise TypeError("not a global index query")
        hash_value = conditions[0][1]
    else:
        if not table.range_key_attr or p.get("hash_key") is None:
            raise TypeError("hash-only table")
        index = None
        hash_value = p["hash_key"]
    part = _partition(table, index, hash_value)
    lo, hi = part.key_range(p.get("range_comparison"), p.get("range_objs") or [])
    start = p.get("exclusive_start_key")
    forward = p.get("scan_index_forward") is not False
    if start:
        after = tuple(_plain_key(DynamoType(start[a])) for a in part.attrs)
        if forward:
            lo = max(lo, bisect.bisect_right(part.keys, after))
        else:
            hi = min(hi, bisect.bisect_left(part.keys, after))
    limit = p.get("limit")
    if forward:
        end = min(hi, lo + limit) if limit else hi
        chosen = part.items[lo:end] if lo < end else []
        if end < len(part.items):
            chosen.append(part.items[end])
    else:
        begin = max(lo, hi - limit) if limit else lo
        chosen = part.items[begin:hi] if begin < hi else []
        if begin > 0:
            chosen.append(part.items[begin - 1])
    return chosen


def _query(self, *args, **kwargs):
    # Start from exactly the items the answer needs (see _query_candidates); moto then applies
    # all its own conditions, sorting, paging and projections to them. A query shape this does
    # not cover starts from the index bucket or the whole table, unsorted.
    bound = _QUERY_SIGNATURE.bind(self, *args, **kwargs)
    params = dict(bound.arguments)
    try:
        chosen = _query_candidates(self, params)
        self.all_items = lambda: list(chosen)
    except (TypeError, KeyError, decimal.InvalidOperation):
        conditions = params.get("hash_key_conditions") or []
        buckets = _buckets(self) if params.get("index_name") and conditions else None
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

_original_sorted_items = Table.sorted_items


def _plain_key(value):
    if value.type == "S":
        return (0, value.value)
    if value.type == "N":
        return (1, decimal.Decimal(value.value))
    raise TypeError(value.type)


def _sorted_items(self, hash_key_attrs, range_key_attrs, items):
    attrs = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
    try:
        keys = [tuple(_plain_key(x.attrs[a]) for a in attrs) for x in items]
    except (KeyError, TypeError, decimal.InvalidOperation):
        return _original_sorted_items(self, hash_key_attrs, range_key_attrs, items)
    order = sorted(range(len(items)), key=keys.__getitem__)
    items[:] = [items[i] for i in order]
    return items


Table.sorted_items = _sorted_items

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


from moto.core.utils import unix_time, unix_time_millis  # noqa: E402
from moto.sqs.models import Queue, SQSBackend  # noqa: E402


def _retained(self, queue_name, message):
    # moto reads the retention period through get_queue_attributes, which computes every
    # attribute of the queue (the approximate counts walk all its messages) three times, for
    # every message received: O(queue) per message. Same rule, reading the one attribute.
    retention = int(getattr(self.get_queue(queue_name), "message_retention_period"))
    return retention + message.sent_timestamp / 1000 > unix_time()


def _visible_messages(self):
    # moto asks the clock twice per message of the queue on every receive; once is enough.
    # (The SQS patches below keep moto's rules and make them O(queue) once, not per message.)
    now = unix_time_millis()
    return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]


def _delayed_count(self):
    now = unix_time_millis()
    return sum(1 for m in self._messages if now < m.delayed_until)


def _not_visible_count(self):
    now = unix_time_millis()
    return sum(1 for m in self._messages if not now > m.visible_at)


SQSBackend.is_message_valid_based_on_retention_period = _retained
Queue.messages = property(_visible_messages)
# Every SendMessage reads all the queue's attributes (for ContentBasedDeduplication), whose
# approximate counts asked the clock for every message: one clock read per count instead.
Queue.approximate_number_of_messages_delayed = property(_delayed_count)
Queue.approximate_number_of_messages_not_visible = property(_not_visible_count)


def _untracked_new(cls, *args, **kwargs):
    # BaseModel.__new__ without `cls.instances_tracked.append(instance)`.
    return super(BaseModel, cls).__new__(cls)


BaseModel.__new__ = staticmethod(_untracked_new)

SENT_MAIL_PATH = "/_proxima/ses/sent"


def _sent_mail(environ, start_response):
    """The raw e-mails SES (v1 or v2) accepted, in every account and region, whose
    destinations contain the `to` query parameter (all of them without it)."""
    from urllib.parse import parse_qs

    from moto.ses.models import ses_backends

    to = parse_qs(environ.get("QUERY_STRING", "")).get("to", [""])[0]
    out = []
    for account_id in list(ses_backends.keys()):
        for backend in list(ses_backends[account_id].values()):
            for m in backend.sent_messages:
                raw = getattr(m, "raw_data", None)
                if raw is None:
                    continue
                destinations = list(getattr(m, "destinations", []) or [])
                if to and not any(to in d for d in destinations):
                    continue
                out.append({"source": m.source, "destinations": destinations, "raw_data": raw})
    body = json.dumps(out).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


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
            if environ.get("PATH_INFO") == SENT_MAIL_PATH:
                return _sent_mail(environ, start_response)
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
