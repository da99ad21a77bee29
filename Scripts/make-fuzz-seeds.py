#!/usr/bin/env python3
"""Writes fuzzer seeds from the conformance corpus: each request frame (mode 1), the
whole request stream (mode 0), each response with its API and version (mode 2), and
each Fetch response's records blobs (mode 3).

    make-fuzz-seeds.py CASES_JSONL OUT_DIR
"""
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[1])))

API_KEYS = [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
            24, 25, 26, 27, 28, 29, 30, 31, 32, 36, 37, 42, 44, 47, 60, 61, 65, 66, 68]


def records_blobs(case):
    """Record sets in a Fetch response, found with the harness's own decoder."""
    try:
        import kwire
        _, body = kwire.decode_response(case["api_key"], case["api_version"], bytes.fromhex(case["response_hex"]))
    except Exception:
        return []
    blobs = []
    for topic in body.get("Responses", []):
        for partition in topic.get("Partitions", []):
            records = partition.get("Records")
            if records:
                blobs.append(bytes.fromhex(records) if isinstance(records, str) else bytes(records))
    return blobs


def main():
    cases_path, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    cases = [json.loads(line) for line in open(cases_path)]
    stream = b""
    for case in cases:
        request = bytes.fromhex(case["request_hex"])
        stream += request
        with open(os.path.join(out, f"req-{case['name']}"), "wb") as f:
            f.write(b"\x01" + request[4:])
        if case["response_hex"]:
            response = bytes.fromhex(case["response_hex"])
            version = case.get("decode_response_as_version", case["api_version"])
            header = struct.pack(">bBh", 2, API_KEYS.index(case["api_key"]), version)
            with open(os.path.join(out, f"resp-{case['name']}"), "wb") as f:
                f.write(header + response[4:])
        if case["api_key"] == 1 and case["response_hex"]:
            for index, blob in enumerate(records_blobs(case)):
                with open(os.path.join(out, f"rec-{case['name']}-{index}"), "wb") as f:
                    f.write(b"\x03" + blob)
    with open(os.path.join(out, "stream-all-requests"), "wb") as f:
        f.write(b"\x00" + stream[:1 << 20])


if __name__ == "__main__":
    main()
