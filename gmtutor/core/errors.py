"""The errors gmtutor raises for the user to fix: each message names the file or value and the fix.

The command line prints these as one line and exits with status 1; anything else is a bug and keeps
its traceback.
"""


class GmtutorError(Exception):
    """Base class of the errors whose message tells the user what to do."""


class DeviceUnavailable(GmtutorError, RuntimeError):
    """``GMTUTOR_DEVICE`` names a device this machine does not have, or is not a device name."""
