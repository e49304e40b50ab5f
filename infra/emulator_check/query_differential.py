"""Differential check of the launcher's query shortcut (`infra/moto_serial.py`).

The launcher answers a DynamoDB Query from a sorted, cached partition slice instead of the
whole table. This script writes random items (puts, updates, deletes, transactions) into an
in-process moto, then runs random queries twice, with and without the shortcut, and demands
identical answers: items, order, Count, ScannedCount and LastEvaluatedKey, page after page.

Run: .venv/bin/python infra/emulator_check/query_differential.py [--seed N] [--rounds N]
"""

import argparse
import os
import random
import sys

os.environ.setdefault("AWS_ACCESS_KEY_ID", "test")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "test")
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-central-1")

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import moto_serial  # noqa: E402,F401  (patches moto on import)
import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

TABLE = "t"


def _create(client):
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": a, "AttributeType": t}
            for a, t in [("pk", "S"), ("sk", "S"), ("g1pk", "S"), ("g1sk", "S"), ("g2pk", "S"), ("n", "N")]
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi1",
                "KeySchema": [{"AttributeName": "g1pk", "KeyType": "HASH"}, {"AttributeName": "g1sk", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            },
            {
                "IndexName": "gsi2",
                "KeySchema": [{"AttributeName": "g2pk", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"},
            },
        ],
    )


def _item(rng):
    item = {
        "pk": {"S": rng.choice(["A", "B", "C"])},
        "sk": {"S": rng.choice(["x#", "y#", "x#y#", "z"]) + str(rng.randint(0, 60))},
        "v": {"N": str(rng.randint(0, 9))},
    }
    if rng.random() < 0.8:
        item["g1pk"] = {"S": rng.choice(["P", "Q"])}
        if rng.random() < 0.9:  # sparse: some items lack the index range key
            item["g1sk"] = {"S": rng.choice(["2026-0", "2026-1", "2025-"]) + str(rng.randint(0, 9))}
    if rng.random() < 0.5:
        item["g2pk"] = {"S": "N"}
        item["n"] = {"N": str(rng.randint(-20, 20))}
    return item


def _key(rng):
    return {k: v for k, v in _item(rng).items() if k in ("pk", "sk")}


def _op_key(op):
    (body,) = op.values()
    attrs = body.get("Item") or body["Key"]
    return attrs["pk"]["S"], attrs["sk"]["S"]


def _update(rng):
    """An update that moves an item within or between index partitions, or out of one."""
    shape = rng.random()
    if shape < 0.4:
        return {
            "UpdateExpression": "SET g1pk = :p, g1sk = :s",
            "ExpressionAttributeValues": {
                ":p": {"S": rng.choice(["P", "Q"])}, ":s": {"S": "2026-0" + str(rng.randint(0, 9))}},
        }
    if shape < 0.7:
        return {
            "UpdateExpression": "SET g2pk = :p, n = :n",
            "ExpressionAttributeValues": {":p": {"S": "N"}, ":n": {"N": str(rng.randint(-20, 20))}},
        }
    return {"UpdateExpression": rng.choice(["REMOVE g1sk", "REMOVE g2pk, n", "REMOVE g1pk"])}


def _write(client, rng):
    kind = rng.random()
    if kind < 0.6:
        client.put_item(TableName=TABLE, Item=_item(rng))
    elif kind < 0.75:
        client.update_item(TableName=TABLE, Key=_key(rng), **_update(rng))
    elif kind < 0.85:
        client.delete_item(TableName=TABLE, Key=_key(rng))
    else:
        items = [_item(rng) for _ in range(3)]
        keys = {(i["pk"]["S"], i["sk"]["S"]) for i in items}
        if len(keys) < 3:
            return
        ops = [{"Put": {"TableName": TABLE, "Item": i}} for i in items[:2]]
        last = {k: v for k, v in items[2].items() if k in ("pk", "sk")}
        if rng.random() < 0.5:  # an item changed in place (index keys too), or removed
            ops.insert(0, {"Update": {"TableName": TABLE, "Key": last, **_update(rng)}})
        else:
            ops.insert(0, {"Delete": {"TableName": TABLE, "Key": last}})
        ops.append({"Put": {"TableName": TABLE, "Item": _item(rng)}})
        named = [_op_key(op) for op in ops]
        if len(set(named)) < len(named):  # DynamoDB refuses two operations on one item
            return
        if rng.random() < 0.5:  # a cancelled transaction must leave no trace
            ops[-1]["Put"]["ConditionExpression"] = "attribute_not_exists(pk) AND attribute_exists(pk)"
        try:
            client.transact_write_items(TransactItems=ops)
        except client.exceptions.TransactionCanceledException:
            pass


def _query(rng):
    shape = rng.choice(["table", "g1", "g2"])
    q = {"TableName": TABLE, "ScanIndexForward": rng.random() < 0.6}
    if rng.random() < 0.8:
        q["Limit"] = rng.randint(1, 7)
    if shape == "table":
        q["KeyConditionExpression"] = "pk = :h"
        values = {":h": {"S": rng.choice(["A", "B", "C", "D"])}}
        cond = rng.choice(["", "begins", "between", "lt", "ge", "eq"])
        attr, v1, v2 = "sk", {"S": rng.choice(["x#", "x#y#", "y#", "z"])}, {"S": "y#5"}
    elif shape == "g1":
        q["IndexName"] = "gsi1"
        q["KeyConditionExpression"] = "g1pk = :h"
        values = {":h": {"S": rng.choice(["P", "Q"])}}
        cond = rng.choice(["", "begins", "between", "gt", "le", "eq"])
        attr, v1, v2 = "g1sk", {"S": rng.choice(["2026-", "2026-0", "2025-", "2026-05"])}, {"S": "2026-15"}
    else:
        q["IndexName"] = "gsi2"
        q["KeyConditionExpression"] = "g2pk = :h"
        values = {":h": {"S": "N"}}
        cond = rng.choice(["", "between", "gt", "le", "eq", "lt"])
        attr, v1, v2 = "n", {"N": str(rng.randint(-10, 5))}, {"N": str(rng.randint(5, 15))}
    extra = {
        "": "",
        "begins": f" AND begins_with({attr}, :a)",
        "between": f" AND {attr} BETWEEN :a AND :b",
        "lt": f" AND {attr} < :a", "le": f" AND {attr} <= :a", "gt": f" AND {attr} > :a",
        "ge": f" AND {attr} >= :a", "eq": f" AND {attr} = :a",
    }[cond]
    q["KeyConditionExpression"] += extra
    if ":a" in extra:
        values[":a"] = v1
    if ":b" in extra:
        values[":b"] = v2
    if rng.random() < 0.3:
        q["FilterExpression"] = "v > :f"
        values[":f"] = {"N": "4"}
    if rng.random() < 0.2:
        q["Select"] = "COUNT"
    q["ExpressionAttributeValues"] = values
    return q


def _pages(client, q):
    pages, start = [], None
    for _ in range(200):
        args = dict(q)
        if start:
            args["ExclusiveStartKey"] = start
        r = client.query(**args)
        pages.append((r.get("Items"), r["Count"], r["ScannedCount"], r.get("LastEvaluatedKey")))
        start = r.get("LastEvaluatedKey")
        if not start:
            break
    return pages


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    original = moto_serial._query_candidates
    used = [0]

    def shortcut(*a):
        chosen = original(*a)
        used[0] += 1
        return chosen

    def no_shortcut(*_):
        raise TypeError("off")

    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-central-1")
        _create(client)
        queries = 0
        for _ in range(args.rounds):
            for _ in range(rng.randint(0, 6)):
                _write(client, rng)
            for _ in range(3):
                q = _query(rng)
                moto_serial._query_candidates = shortcut
                fast = _pages(client, q)
                moto_serial._query_candidates = no_shortcut
                slow = _pages(client, q)
                moto_serial._query_candidates = shortcut
                if fast != slow:
                    print("MISMATCH for", q)
                    print("shortcut:", fast)
                    print("moto:    ", slow)
                    sys.exit(1)
                queries += 1
    if used[0] == 0:
        print("the shortcut was never taken")
        sys.exit(1)
    print(
        f"query shortcut == moto on {queries} random queries, {used[0]} pages answered by the "
        f"shortcut (seed {args.seed}, {args.rounds} rounds)"
    )


if __name__ == "__main__":
    main()
