"""`python -m akash_bme.codegen IDL OUTDIR`."""

from __future__ import annotations

import sys

from ._generate import generate


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m akash_bme.codegen IDL OUTDIR", file=sys.stderr)
        return 2
    files = generate(args[0], args[1])
    print(f"wrote {len(files)} files to {args[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
