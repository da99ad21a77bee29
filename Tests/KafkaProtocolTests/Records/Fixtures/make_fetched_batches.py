#!/usr/bin/env python3
"""Regenerates fetched-batches.json from the Kafka 4.0 conformance corpus.

    python3 make_fetched_batches.py [../../../../../shared/kafka-conformance] > fetched-batches.json

For every Fetch response (api_key 1) in cases.jsonl it takes the Records field of each
partition (decoded with kwire, independent of the Swift code under test), splits it with
kwire.parse_batches and records every header field and every record. kwire decodes the
records of none/gzip batches itself; for snappy, lz4 and zstd this script decompresses the
records section through ctypes with the system libraries (parsing the xerial and LZ4
frame layouts by hand) and decodes the records with kwire.decode_records_section.
"""
import ctypes
import json
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
corpus = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../../../shared/kafka-conformance")
sys.path.insert(0, corpus)
import kwire  # noqa: E402

snappy = ctypes.CDLL("libsnappy.so.1")
lz4 = ctypes.CDLL("liblz4.so.1")
zstd = ctypes.CDLL("libzstd.so.1")
zstd.ZSTD_decompress.restype = ctypes.c_size_t
zstd.ZSTD_isError.restype = ctypes.c_uint


def raw_snappy(block: bytes) -> bytes:
    size = ctypes.c_size_t()
    assert snappy.snappy_uncompressed_length(block, len(block), ctypes.byref(size)) == 0
    out = ctypes.create_string_buffer(size.value)
    length = ctypes.c_size_t(size.value)
    assert snappy.snappy_uncompress(block, len(block), out, ctypes.byref(length)) == 0
    return out.raw[: length.value]


def unsnappy(data: bytes) -> bytes:
    magic = b"\x82SNAPPY\x00"
    if not data.startswith(magic):
        return raw_snappy(data)
    out, p = b"", 16
    while p < len(data):
        (n,) = struct.unpack_from(">i", data, p)
        out += raw_snappy(data[p + 4 : p + 4 + n])
        p += 4 + n
    return out


def unlz4(data: bytes) -> bytes:
    assert struct.unpack_from("<I", data, 0)[0] == 0x184D2204
    flg = data[4]
    p = 6 + (8 if flg & 0x08 else 0) + 1  # FLG, BD, [content size], header checksum
    out = b""
    while True:
        (n,) = struct.unpack_from("<I", data, p)
        p += 4
        if n == 0:
            break
        block = data[p : p + (n & 0x7FFFFFFF)]
        p += n & 0x7FFFFFFF
        if n & 0x80000000:
            out += block
        else:
            dst = ctypes.create_string_buffer(4 << 20)
            m = lz4.LZ4_decompress_safe(block, dst, len(block), len(dst))
            assert m >= 0
            out += dst.raw[:m]
        if flg & 0x10:
            p += 4  # block checksum
    return out


def unzstd(data: bytes) -> bytes:
    dst = ctypes.create_string_buffer(16 << 20)
    n = zstd.ZSTD_decompress(dst, len(dst), data, len(data))
    assert not zstd.ZSTD_isError(n)
    return dst.raw[:n]


def records_of(batch: dict):
    if "records" in batch:
        return batch["records"]
    section = bytes.fromhex(batch["raw"])[61:]
    plain = {"snappy": unsnappy, "lz4": unlz4, "zstd": unzstd}[batch["compression"]](section)
    return kwire.decode_records_section(plain, batch["recordCount"])


FIELDS = ["baseOffset", "batchLength", "partitionLeaderEpoch", "magic", "crc", "attributes",
          "lastOffsetDelta", "baseTimestamp", "maxTimestamp", "producerId", "producerEpoch",
          "baseSequence", "recordCount", "compression", "timestampType", "isTransactional",
          "isControl", "crcValid"]

out = []
with open(os.path.join(corpus, "cases.jsonl")) as f:
    for line in f:
        case = json.loads(line)
        if case["api_key"] != 1 or not case["response_hex"]:
            continue
        _, body = kwire.decode_response(case["api_key"], case["api_version"], bytes.fromhex(case["response_hex"]))
        for topic in body["Responses"]:
            for partition in topic["Partitions"]:
                records = partition["Records"]
                if records is None:
                    continue
                raw = bytes.fromhex(records) if isinstance(records, str) else bytes(records)
                if not raw:
                    continue
                entry = {"case": case["name"], "topic": topic.get("Topic"), "partition": partition["PartitionIndex"],
                         "recordsHex": raw.hex(), "batches": [], "partialBytes": 0}
                for batch in kwire.parse_batches(raw):
                    if "partial" in batch:
                        entry["partialBytes"] = len(batch["partial"]) // 2
                        continue
                    b = {k: batch[k] for k in FIELDS}
                    b["records"] = []
                    for rec in records_of(batch):
                        r = {"attributes": rec["attributes"], "timestampDelta": rec["timestamp_delta"],
                             "offsetDelta": rec["offset_delta"], "keyHex": rec["key"], "valueHex": rec["value"],
                             "headers": [{"key": k, "valueHex": v} for k, v in rec["headers"]]}
                        if "control" in rec:
                            r["control"] = rec["control"]
                        b["records"].append(r)
                    entry["batches"].append(b)
                out.append(entry)

json.dump(out, sys.stdout, indent=1)
sys.stdout.write("\n")
