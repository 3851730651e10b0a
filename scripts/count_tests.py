#!/usr/bin/python3
"""Counts GoogleTest test cases from the test.xml files of one `bazel test` run.

Usage: count_tests.py BEP_JSON [EXPECTED_LABEL...]
       count_tests.py --xml TEST_XML...


BEP_JSON is the file written by `bazel test --build_event_json_file=BEP_JSON`.
Only the test.xml files that this invocation reported (run or served from cache)
are read, so stale files under bazel-testlogs/ from older runs never count.
EXPECTED_LABEL (e.g. from `bazel query 'tests(//...)'`) are test targets that
must have produced results; a missing one (e.g. failed to build) counts as one
failure, as does a reported test.xml with no <testcase> in it.

With --xml, the GoogleTest XML files named (e.g. written by test binaries run outside Bazel with
--gtest_output=xml:FILE, as scripts/gpu_kit.sh does) are counted instead; a missing, unreadable or
empty one (a binary that crashed before writing it) counts as one failure.

A test case is: failed if it has a <failure> or <error> child; skipped if
result="skipped", status="notrun" or it has a <skipped> child; passed otherwise.

Prints "N passed, N failed, N skipped" as its last line. Exit status 0 only if
no test case failed and at least one test case was found.
"""

import json
import os
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET


def canonical(label):
    # Bazel may print "//a:b" or "@//a:b" or "@densecorr//a:b"; compare "//a:b".
    if label.startswith("@") and "//" in label:
        repo, rest = label[1:].split("//", 1)
        if repo in ("", "densecorr"):
            return "//" + rest
    return label


def read_bep(path):
    """Returns ({label: [test.xml paths]}, {label: overall status})."""
    results = {}  # (label, run, shard) -> (attempt, xml path or None)
    summaries = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            event = json.loads(line)
            eid = event.get("id", {})
            if "testResult" in eid:
                tid = eid["testResult"]
                key = (canonical(tid["label"]), tid.get("run", 1), tid.get("shard", 1))
                attempt = tid.get("attempt", 1)
                xml = None
                for out in event.get("testResult", {}).get("testActionOutput", []):
                    if out.get("name") == "test.xml" and out.get("uri", "").startswith("file://"):
                        xml = urllib.request.url2pathname(urllib.parse.urlparse(out["uri"]).path)
                if key not in results or attempt >= results[key][0]:
                    results[key] = (attempt, xml)
            elif "testSummary" in eid:
                label = canonical(eid["testSummary"]["label"])
                summaries[label] = event.get("testSummary", {}).get("overallStatus", "NO_STATUS")
    xmls = {}
    for (label, _, _), (_, xml) in sorted(results.items()):
        xmls.setdefault(label, []).append(xml)
    return xmls, summaries


def count_file(path):
    passed = failed = skipped = 0
    for case in ET.parse(path).getroot().iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        elif (case.get("result") == "skipped" or case.get("status") == "notrun"
              or case.find("skipped") is not None):
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        print("0 passed, 0 failed, 0 skipped")
        return 2
    if argv[1] == "--xml":
        # Each file stands for one test target, labelled by its path.
        xmls, summaries = {path: [path] for path in argv[2:]}, {}
        expected = set(xmls)
    else:
        xmls, summaries = read_bep(argv[1])
        expected = {canonical(l) for l in argv[2:] if l.strip()}
    passed = failed = skipped = 0

    def fail(msg):
        nonlocal failed
        print(f"count_tests: {msg}", file=sys.stderr)
        failed += 1

    for label in sorted(expected | set(xmls) | set(summaries)):
        paths = xmls.get(label)
        if not paths:
            fail(f"{label}: no test results ({summaries.get(label, 'not run')})")
            continue
        for path in paths:
            if not path or not os.path.isfile(path):
                fail(f"{label}: missing test.xml {path}")
                continue
            try:
                p, f, s = count_file(path)
            except ET.ParseError as e:
                fail(f"{label}: cannot parse {path}: {e}")
                continue
            if p + f + s == 0:
                fail(f"{label}: no test cases in {path}")
                continue
            passed, failed, skipped = passed + p, failed + f, skipped + s

    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 and passed + skipped > 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
