"""``tools/test.py --out``: the predictions file, written atomically."""
import pickle

from mmengine.evaluator import DumpResults
from mmengine.logging import print_log

from pose3d_toolbox.registry import METRICS
from pose3d_toolbox.utils.atomic import atomic_write


@METRICS.register_module()
class AtomicDumpResults(DumpResults):
    """mmengine's ``DumpResults`` (pickle every prediction to
    ``out_file_path``), written to a temporary file and renamed, so a kill
    never leaves a truncated predictions file."""

    def compute_metrics(self, results: list) -> dict:
        with atomic_write(self.out_file_path, 'wb') as fh:
            pickle.dump(results, fh)
        print_log(f'Results has been saved to {self.out_file_path}.',
                  logger='current')
        return {}
