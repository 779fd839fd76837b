"""The embedded nx-27017 server's entry point: nx-27017's main, with a request's sections shown
as their count wherever they are formatted. nx-27017 0.8.1 formats every insert's sections
(the whole payload, GridFS chunks included) into a debug message before the logger decides to
drop it (handler.handle_insert); measured, that was 28% of its CPU per 112 KB window saved.
Nothing else changes: the sections stay the same list.

Run by path, so that it imports nothing of sparkseis:
    python sparkseis/nx_27017_launcher.py --data-dir DIR --host H -p PORT ... (nx-27017's arguments)
"""

import os
import sys

if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]  # run by path: this folder's modules (io/, config.py, ...) must not shadow others

from nx_27017.nx_27017 import main  # noqa: E402
from nx_27017.wire_protocol import OP_MSG  # noqa: E402


class _Sections(list):
    """A request's sections, shown as their count (the same list to everything else)."""

    def __repr__(self) -> str:
        return f"<{len(self)} sections>"

    __str__ = __repr__


def _summarized(parse):
    def parse_message(message_bytes):
        msg = parse(message_bytes)
        if isinstance(msg.get("sections"), list):
            msg["sections"] = _Sections(msg["sections"])
        return msg

    return parse_message


OP_MSG.parse = staticmethod(_summarized(OP_MSG.parse))

if __name__ == "__main__":
    main()
