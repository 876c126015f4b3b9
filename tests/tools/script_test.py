"""A minimal runner for the script tests (ctest runs each file as
`/usr/bin/python3 FILE --bin BUILD --source SRC`). Each check prints
PASS/FAIL; the last line is `N passed, M failed`, the exit code 0 only when
nothing failed."""
import argparse
import os
import sys
import tempfile
import time
import traceback


class Failure(AssertionError):
    pass


def parse_args(description, extra=None, argv=None):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--bin", default=None, help="build directory holding score-seqs")
    ap.add_argument("--source", default=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")),
                    help="source tree (default: this checkout)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    if extra:
        extra(ap)
    return ap.parse_args(argv)


class Runner:
    def __init__(self, name, keep=False):
        self.name = name
        self.checks = []
        self.passed = 0
        self.failed = 0
        self.keep = keep
        self.tmp = tempfile.mkdtemp(prefix=f"{name}.")

    def check(self, fn):
        self.checks.append(fn)
        return fn

    def run(self, only=None):
        for fn in self.checks:
            if only and fn.__name__ not in only:
                continue
            start = time.time()
            try:
                fn()
            except Exception as exc:  # report and go on: all problems in one run
                self.failed += 1
                detail = str(exc) if isinstance(exc, AssertionError) else traceback.format_exc()
                print(f"FAIL {fn.__name__} ({time.time() - start:.1f}s)\n{detail.rstrip()}", flush=True)
            else:
                self.passed += 1
                print(f"PASS {fn.__name__} ({time.time() - start:.1f}s)", flush=True)
        return self.finish()

    def finish(self):
        if self.keep or self.failed:
            print(f"{self.name}: files kept in {self.tmp}", file=sys.stderr)
        else:
            import shutil
            shutil.rmtree(self.tmp, ignore_errors=True)
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1


def require(condition, message):
    if not condition:
        raise Failure(message)
