"""Pickles that run a command when loaded with :func:`pickle.load`, for the
tests of the safe readers: each creates a marker file, so a test checks
both the refusal and that the side effect did not happen."""
import os
import pickle


class TouchOnLoad:
    """Unpickles as ``os.system('touch <marker>')``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def malicious_pickle(marker, wrap=lambda payload: payload,
                     protocol=pickle.DEFAULT_PROTOCOL) -> bytes:
    """Bytes of ``wrap(payload)``, the payload creating ``marker``."""
    return pickle.dumps(wrap(TouchOnLoad(marker)), protocol=protocol)
