"""Validate the question bank: every error of one run, as `file: id: field: message`.

Run as `python -m quiz.bank.validate [PATH] [--seeds DIR]`; PATH is the bank
root (default `question_bank`) or one source folder, and the seeds default to
`seeds/` in the folder holding the bank root (the project root).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from quiz.bank.reader import SOURCE_FILE, read_bank, read_source
from quiz.bank.schema import BankError, Item, Source

__all__ = ["BankError", "check", "count_errors", "default_seeds_dir", "main", "validate"]


def validate(root_or_source_folder: Path, seeds_dir: Path) -> list[BankError]:
    """Check a bank, or one of its source folders, against its seeds.

    Args:
        root_or_source_folder: The bank root (a folder of source folders) or
            one source folder.
        seeds_dir: The folder holding the seed texts.

    Returns:
        Every error found, sorted by file then order of appearance; empty
        when the bank is valid.
    """
    return check(root_or_source_folder, seeds_dir)[2]


def check(path: Path, seeds_dir: Path) -> tuple[list[Source], list[Item], list[BankError]]:
    """Read and check a bank or one source folder.

    Args:
        path: The bank root or one source folder.
        seeds_dir: The folder holding the seed texts.

    Returns:
        `(sources, items, errors)` as `read_bank` returns them.
    """
    if _is_source_folder(path):
        source, items, errors = read_source(path, seeds_dir)
        return ([source] if source else []), items, errors
    return read_bank(path, seeds_dir)


def default_seeds_dir(path: Path) -> Path:
    """Find the seeds folder for a bank path: `seeds/` beside the bank root.

    Args:
        path: The bank root or one source folder.

    Returns:
        `<project root>/seeds`, the project root being the bank root's parent.
    """
    bank_root = path.parent if _is_source_folder(path) else path
    return bank_root.resolve().parent / "seeds"


def main(argv: list[str] | None = None) -> int:
    """Run the validator from the command line.

    Args:
        argv: The arguments (default: `sys.argv[1:]`).

    Returns:
        The exit status: 0 when the bank is valid, 1 on any error.
    """
    parser = argparse.ArgumentParser(
        prog="python -m quiz.bank.validate",
        description="Check the question bank; list every error as file: id: field: message.",
    )
    parser.add_argument("path", nargs="?", default="question_bank", type=Path)
    parser.add_argument("--seeds", type=Path, help="seed texts (default: seeds/ of the project)")
    args = parser.parse_args(argv)
    seeds_dir = args.seeds if args.seeds is not None else default_seeds_dir(args.path)
    sources, items, errors = check(args.path, seeds_dir)
    for error in errors:
        print(error)
    if errors:
        print(count_errors(errors))
        return 1
    print(f"{len(items)} items in {len(sources)} sources: OK")
    return 0


def count_errors(errors: list[BankError]) -> str:
    """Return "1 error" or "N errors"."""
    return f"{len(errors)} error{'' if len(errors) == 1 else 's'}"


def _is_source_folder(path: Path) -> bool:
    """Tell a source folder (it has, or needs, a `_source.toml`) from a bank root."""
    return (path / SOURCE_FILE).is_file() or any(path.glob("*.toml"))


if __name__ == "__main__":
    sys.exit(main())
