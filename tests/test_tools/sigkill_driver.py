"""Train under random SIGKILLs, for tests/test_tools/test_faults.py.

``python sigkill_driver.py CONFIG WORK REF_WORK KILLS SEED [train options]``

Imports ``tools/train.py`` once, then forks every training process from
this warm interpreter (each child runs ``train.main`` exactly as
``python tools/train.py`` would, its output in ``WORK/segment<k>.log``):

1. ``REF_WORK``: one uninterrupted run.
2. ``WORK``: ``KILLS`` runs killed with SIGKILL, each resumed with
   ``--resume``; even-numbered kills wait for a checkpoint write to begin
   (a ``.iter_*.pth.tmp*`` file) and strike within 0.2 ms, odd-numbered ones
   wait for a new complete checkpoint and strike 0-100 ms later (mostly
   mid-step). Each waits for 1-2 iterations of progress first. A last
   ``--resume`` runs to the end.

Prints one JSON object: per kill, whether a write was under way, the
checkpoint ``last_checkpoint`` named afterwards and its iteration, and the
iteration the next run said it resumed from; the exit codes of the
reference and of the final run.
"""
import glob
import json
import os
import os.path as osp
import random
import re
import signal
import sys
import time
import traceback

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(REPO, 'tools'))
import train  # noqa: E402  (imports torch, mmengine and the toolbox once)

import torch  # noqa: E402
import torch._dynamo  # noqa: E402,F401  (imported lazily by torch.optim)

import pose3d_toolbox.registry as registries  # noqa: E402
from mmengine.registry import Registry  # noqa: E402
from pose3d_toolbox.engine import is_complete_checkpoint  # noqa: E402


def warm_imports():
    """Import what a training process imports lazily, once, before the
    forks (each child would spend seconds on it)."""
    for value in vars(registries).values():
        while isinstance(value, Registry):
            value.import_from_location()
            value = value.parent
    import pose3d_toolbox.visualization  # noqa: F401


def fork_train(argv, log):
    pid = os.fork()
    if pid == 0:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        code = 0
        try:
            train.main(argv)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return pid


def wait_exit(pid):
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def complete_iters(work):
    return sorted(int(m.group(1)) for p in glob.glob(osp.join(work,
                                                               'iter_*.pth'))
                  if (m := re.search(r'iter_(\d+)\.pth$', p))
                  and is_complete_checkpoint(p))


def writing_iters(work):
    return [int(m.group(1)) for p in glob.glob(osp.join(
        work, '.iter_*.pth.tmp*')) if (m := re.search(r'iter_(\d+)', p))]


def wait_for(condition, pid, timeout=120):
    start = time.time()
    while not condition():
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            raise RuntimeError('the training finished before the kill; '
                               'give it more iterations')
        if time.time() - start > timeout:
            raise RuntimeError('timed out waiting to kill')
        time.sleep(0.0005)


def checkpoint_iter(path):
    return int(torch.load(path)['meta']['iter'])


def main():
    config, work, ref_work, kills, seed, *opts = sys.argv[1:]
    rng = random.Random(int(seed))
    warm_imports()
    os.makedirs(work, exist_ok=True)
    os.makedirs(ref_work, exist_ok=True)
    ref = fork_train([config, '--work-dir', ref_work, *opts],
                     osp.join(ref_work, 'reference.log'))
    report = dict(reference_exit=wait_exit(ref), kills=[])
    for k in range(int(kills)):
        argv = [config, '--work-dir', work, *opts]
        if k:
            argv.append('--resume')
        done = (complete_iters(work) or [0])[-1]
        target = done + rng.randint(1, 2)
        pid = fork_train(argv, osp.join(work, f'segment{k}.log'))
        if k % 2 == 0:
            wait_for(lambda t=target: max(writing_iters(work), default=0)
                     >= t, pid)
            time.sleep(rng.uniform(0, 0.0002))
        else:
            wait_for(lambda t=target: (complete_iters(work) or [0])[-1]
                     >= t, pid)
            time.sleep(rng.uniform(0, 0.1))
        in_write = bool(glob.glob(osp.join(work, '.iter_*.pth.tmp*')))
        os.kill(pid, signal.SIGKILL)
        wait_exit(pid)
        pointer = osp.join(work, 'last_checkpoint')
        named = open(pointer).read().strip() if osp.isfile(pointer) else None
        complete = bool(named) and is_complete_checkpoint(named)
        report['kills'].append(dict(
            in_write=in_write, last_checkpoint=named, complete=complete,
            iter=checkpoint_iter(named) if complete else None))
    last = fork_train([config, '--work-dir', work, *opts, '--resume'],
                      osp.join(work, f'segment{kills}.log'))
    report['final_exit'] = wait_exit(last)
    for k in range(1, int(kills) + 1):
        log = open(osp.join(work, f'segment{k}.log')).read()
        found = re.findall(r'resumed epoch: \d+, iter: (\d+)', log)
        report['kills'][k - 1]['resumed_iter'] = (int(found[-1]) if found
                                                  else None)
    print(json.dumps(report))


if __name__ == '__main__':
    main()
