"""The terminal front end: ``aisci <command>`` (the console script and ``python -m aisci``).

``main`` parses the command line (cli/parser.py: the commands, cli/flags.py: the flags they
share, cli/values.py: the checked values), calls the command's ``cmd_<command>`` (commands/),
which runs one stage of the core and renders the outcome. Errors that people cause or meet
(``AisciError``) are shown as one paragraph, without a traceback unless ``--debug`` is given;
the exit status is 1 for a failure and 2 for a usage error.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
from collections.abc import Callable

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
    try:
        return _run(args)
    except AisciError as e:
        if args.debug:
            raise
        print(f"error: {e.message}", file=sys.stderr)
        if e.hint:
            print(e.hint, file=sys.stderr)
        return 1
    except BrokenPipeError:
        # What reads the output went away (`aisci template list | head`): no traceback, and
        # nothing more written to the closed pipe when Python flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
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


def _run(args: argparse.Namespace) -> int:
    """The command's ``cmd_<command>`` (commands/); ``aisci lsp`` goes to the language server."""
    if args.command == "lsp":
        # deferred: pygls and lsprotocol take ~0.25 s to import, and the editor waits for
        # `initialize`: the server skips aisci.commands, whose stages add ~0.13 s (measured)
        from aisci.lsp.main import main as serve

        serve(tcp_port=args.tcp)
        return 0
    # deferred: the commands load the core, the scientists and paper (start-up 0.07 s -> 0.24 s
    # of CPU, measured); `aisci --help` and a usage error need none of them
    from aisci import commands

    handler: Callable[[argparse.Namespace], int] = getattr(commands, f"cmd_{args.command}")
    return handler(args)
