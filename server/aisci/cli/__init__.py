"""The terminal front end: ``aisci <command>`` (the console script and ``python -m aisci``).

``main`` parses the command line (cli/parser.py: the commands, cli/flags.py: the flags they
share, cli/values.py: the checked values), calls the command's ``cmd_<command>`` (commands/),
which runs one stage of the core and renders the outcome. Errors that people cause or meet
(``AisciError``) are shown as one paragraph, without a traceback unless ``--debug`` is given;
the exit status is 1 for a failure and 2 for a usage error.
"""

from __future__ import annotations

import errno
import logging
import sys

from aisci.cli.parser import build_parser
from aisci.errors import AisciError

__all__ = ["build_parser", "main"]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command is None:
        parser.print_help()
        return 2
    if args.command == "template" and args.template_command is None:
        parser.parse_args(["template", "--help"])
    from aisci import commands

    handler = getattr(commands, f"cmd_{args.command}")
    try:
        return handler(args)
    except AisciError as e:
        if args.debug:
            raise
        print(f"error: {e.message}", file=sys.stderr)
        if e.hint:
            print(e.hint, file=sys.stderr)
        return 1
    except OSError as e:
        if args.debug or e.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise
        why = "the file system is read-only" if e.errno == errno.EROFS else "permission denied"
        print(f"error: Cannot write {e.filename or 'a file'}: {why}.", file=sys.stderr)
        print("Make the folder writable, or give another one (--results PATH).", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "interrupted: the state of each folder was saved; run the same command again to continue.",
            file=sys.stderr,
        )
        return 130
